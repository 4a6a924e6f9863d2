// The header holds the only functions (inline); SwiftPM needs a source file for a C target.
#include "CCPUHints.h"
