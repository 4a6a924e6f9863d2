import Hummingbird
import TSDB

/// A JSON document written by hand into bytes: query results hold up to millions of points, and
/// building them through Codable would allocate per point. The caller writes structure (`raw`);
/// strings, timestamps and sample values are encoded here as Prometheus encodes them.
struct JSONBuffer {
    var bytes: [UInt8] = []

    init(reservingCapacity n: Int = 256) { bytes.reserveCapacity(n) }

    /// Structure or literal text written as is.
    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func byte(_ c: UInt8) { bytes.append(c) }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var copy = s
        copy.withUTF8 { u in
            var runStart = 0
            for i in 0..<u.count {
                let c = u[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i])) }
                runStart = i + 1
                bytes.append(UInt8(ascii: "\\"))
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(c)
                case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
                default:
                    let hex: StaticString = "0123456789abcdef"
                    raw("u00")
                    hex.withUTF8Buffer { h in bytes.append(h[Int(c >> 4)]); bytes.append(h[Int(c & 15)]) }
                }
            }
            if runStart < u.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A JSON array whose elements `element` writes (brackets and commas are added here).
    @inline(__always)
    mutating func array<S: Sequence>(_ items: S, _ element: (inout JSONBuffer, S.Element) -> Void) {
        byte(UInt8(ascii: "["))
        var first = true
        for item in items {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            element(&self, item)
        }
        byte(UInt8(ascii: "]"))
    }

    /// A JSON array of strings.
    mutating func stringArray(_ list: [String]) {
        array(list) { $0.string($1) }
    }

    /// A label set as a JSON object, in label order.
    mutating func labels(_ l: Labels) {
        byte(UInt8(ascii: "{"))
        for (i, p) in l.pairs.enumerated() {
            if i > 0 { byte(UInt8(ascii: ",")) }
            string(p.name)
            byte(UInt8(ascii: ":"))
            string(p.value)
        }
        byte(UInt8(ascii: "}"))
    }

    /// An integer.
    mutating func int(_ v: Int64) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        ExpositionFloatFormatter.appendDecimal(v.magnitude, to: &bytes)
    }

    /// Milliseconds as Unix seconds with the milliseconds as decimals, unquoted, as Prometheus
    /// writes them: `1700000000`, `1700000000.5` is `1700000000.500`, `1700000000.012`.
    mutating func timestamp(_ ms: Int64) {
        if ms < 0 { byte(UInt8(ascii: "-")) }
        let m = ms.magnitude
        ExpositionFloatFormatter.appendDecimal(m / 1000, to: &bytes)
        let frac = m % 1000
        guard frac != 0 else { return }
        byte(UInt8(ascii: "."))
        byte(UInt8(frac / 100) + 0x30)
        byte(UInt8(frac / 10 % 10) + 0x30)
        byte(UInt8(frac % 10) + 0x30)
    }

    /// A sample value as a quoted Go `'f'` float: `"1.5"`, `"NaN"`, `"+Inf"`.
    mutating func sampleValue(_ v: Double) {
        byte(UInt8(ascii: "\""))
        ExpositionFloatFormatter.appendAPIValue(v, to: &bytes)
        byte(UInt8(ascii: "\""))
    }

    /// `[<seconds>,"<value>"]`.
    @inline(__always) mutating func point(_ t: Int64, _ v: Double) {
        byte(UInt8(ascii: "["))
        timestamp(t)
        byte(UInt8(ascii: ","))
        sampleValue(v)
        byte(UInt8(ascii: "]"))
    }

    /// The document as text (small documents and tests).
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// An `application/json` response carrying the bytes.
    func response(_ status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
