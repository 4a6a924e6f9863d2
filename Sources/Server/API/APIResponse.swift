import Foundation
import Hummingbird

/// Prometheus API JSON envelopes: `{"status":"success","data":…}` and `{"status":"error",…}`.
enum APIResponse {
    static func success(_ dataJSON: String) -> Response {
        json(.ok, "{\"status\":\"success\",\"data\":\(dataJSON)}")
    }

    static func error(_ status: HTTPResponse.Status, type: String, _ message: String) -> Response {
        json(status, "{\"status\":\"error\",\"errorType\":\"\(type)\",\"error\":\(jsonString(message))}")
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: body)))
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: body)))
    }

    /// A JSON string literal.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
