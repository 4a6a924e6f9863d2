import Hummingbird
import RuleEval

/// A failed API call: the Prometheus `errorType`, the HTTP status it travels with, and a message.
struct APIError: Error, CustomStringConvertible {
    let status: HTTPResponse.Status
    let type: String
    let message: String

    var description: String { "\(type): \(message)" }

    /// Bad input (`bad_data`, 400).
    static func badData(_ message: String) -> APIError { APIError(status: .badRequest, type: "bad_data", message: message) }

    /// A parameter that does not parse, named as Prometheus names it: `invalid parameter "time": …`.
    static func invalidParameter(_ name: String, _ message: String) -> APIError {
        badData("invalid parameter \"\(name)\": \(message)")
    }

    /// A query failure with the status of its type: 400 bad_data, 422 execution, 503 timeout or canceled.
    init(_ e: QueryError) {
        let status: HTTPResponse.Status
        switch e.errorType {
        case "bad_data": status = .badRequest
        case "execution": status = .unprocessableContent
        case "timeout", "canceled": status = .serviceUnavailable
        default: status = .internalServerError
        }
        self.init(status: status, type: e.errorType, message: e.description)
    }

    init(status: HTTPResponse.Status, type: String, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    /// `{"status":"error","errorType":…,"error":…}` with the status.
    var response: Response {
        var b = JSONBuffer(reservingCapacity: message.utf8.count + 64)
        b.raw(#"{"status":"error","errorType":"#)
        b.string(type)
        b.raw(#","error":"#)
        b.string(message)
        b.byte(UInt8(ascii: "}"))
        return b.response(status)
    }
}
