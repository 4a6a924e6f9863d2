/// Tidemark's version, reported in User-Agent headers and build info.
enum TidemarkVersion {
    static let string = "0.1.0"
}
