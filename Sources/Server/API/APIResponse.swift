import Hummingbird

/// Prometheus API JSON envelopes: `{"status":"success","data":…}` and `{"status":"error",…}`.
enum APIResponse {
    static func success(_ dataJSON: String) -> Response {
        json(.ok, "{\"status\":\"success\",\"data\":\(dataJSON)}")
    }

    /// `{"status":"success","data":…,"warnings":[…],"infos":[…]}`, the data written by `writeData`
    /// straight into the response bytes; the annotation arrays only when non-empty, as Prometheus.
    static func success(warnings: [String] = [], infos: [String] = [], reservingCapacity n: Int = 256,
                        _ writeData: (inout JSONBuffer) -> Void) -> Response {
        var b = JSONBuffer(reservingCapacity: n)
        b.raw(#"{"status":"success","data":"#)
        writeData(&b)
        if !warnings.isEmpty {
            b.raw(#","warnings":"#)
            b.stringArray(warnings)
        }
        if !infos.isEmpty {
            b.raw(#","infos":"#)
            b.stringArray(infos)
        }
        b.byte(UInt8(ascii: "}"))
        return b.response()
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
        var b = JSONBuffer(reservingCapacity: s.utf8.count + 2)
        b.string(s)
        return b.text
    }
}
