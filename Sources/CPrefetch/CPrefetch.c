// The header holds the only function (inline); SwiftPM needs a source file for a C target.
#include "CPrefetch.h"
