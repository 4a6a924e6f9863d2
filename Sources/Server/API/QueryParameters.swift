import Foundation
import Hummingbird

/// Query parameters with keys and values percent-decoded (clients send `match%5B%5D=…`).
struct QueryParameters {
    let pairs: [(String, String)]

    init(_ req: Request) {
        pairs = Self.parse(Substring(req.uri.query ?? ""))
    }

    init(pairs: [(String, String)]) { self.pairs = pairs }

    /// The pairs of an `a=1&b=2` string (a URL query or a form-encoded body), in order.
    static func parse(_ text: Substring) -> [(String, String)] {
        var out: [(String, String)] = []
        for part in text.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = Self.decode(kv[0])
            let v = kv.count > 1 ? Self.decode(kv[1]) : ""
            out.append((k, v))
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }

    /// Every value of `name`, in order.
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// The first value of `name`.
    func first(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    /// The first value of `name`, nil when absent or empty (Go's `FormValue` reads both as unset).
    func nonEmpty(_ name: String) -> String? {
        guard let v = first(name), !v.isEmpty else { return nil }
        return v
    }
}
