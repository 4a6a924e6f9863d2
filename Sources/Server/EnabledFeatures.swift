import Foundation

/// The `--enable-feature` values (repeatable, each comma-separated), as Prometheus reads them:
/// known names switch engine behaviour, unknown ones are reported and ignored.
struct EnabledFeatures: Equatable {
    /// `promql-delayed-name-removal`: `__name__` dropped at the end of evaluation.
    var delayedNameRemoval = false
    /// `promql-experimental-functions`: `mad_over_time`, `sort_by_label`, `limitk`, ….
    var experimentalFunctions = false
    /// `type-and-unit-labels`: `__type__` and `__unit__` travel with `__name__`.
    var typeAndUnitLabels = false
    /// Names not recognised, in the order given (the caller warns about them).
    var unknown: [String] = []

    init(_ values: [String]) {
        for value in values {
            for part in value.split(separator: ",") {
                let name = part.trimmingCharacters(in: .whitespaces)
                switch name {
                case "": continue
                case "promql-delayed-name-removal": delayedNameRemoval = true
                case "promql-experimental-functions": experimentalFunctions = true
                case "type-and-unit-labels": typeAndUnitLabels = true
                default: unknown.append(name)
                }
            }
        }
    }
}
