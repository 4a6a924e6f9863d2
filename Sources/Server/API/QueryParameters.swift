import Foundation
import Hummingbird

/// Query parameters with keys and values percent-decoded (clients send `match%5B%5D=…`).
struct QueryParameters {
    let pairs: [(String, String)]

    init(_ req: Request) {
        var out: [(String, String)] = []
        for part in (req.uri.query ?? "").split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let k = Self.decode(kv[0])
            let v = kv.count > 1 ? Self.decode(kv[1]) : ""
            out.append((k, v))
        }
        pairs = out
    }

    static func decode(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }

    /// Every value of `name`, in order.
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// The first value of `name`.
    func first(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
}
