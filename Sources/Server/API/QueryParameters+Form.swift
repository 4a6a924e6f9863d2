import Hummingbird

extension QueryParameters {
    /// Largest form-encoded body read (Go's `ParseForm` limit, which Prometheus inherits).
    static let maxFormBodyBytes = 10 << 20

    /// The parameters of a GET or POST API call: a form-encoded body's pairs
    /// (`application/x-www-form-urlencoded`), then the URL's. Lookups take the first value, so
    /// the body wins over the URL, and `match[]` lists the body's selectors first (as Go's `Form`).
    static func read(_ req: Request, bodyLimit: Int = maxFormBodyBytes) async throws(APIError) -> QueryParameters {
        let url = QueryParameters(req)
        guard req.method == .post || req.method == .put,
              let type = req.headers[.contentType]?.lowercased(),
              type.hasPrefix("application/x-www-form-urlencoded")
        else { return url }
        let body: ByteBuffer
        do {
            body = try await req.body.collect(upTo: bodyLimit)
        } catch {
            throw APIError(status: .contentTooLarge, type: "bad_data",
                           message: "error parsing form values: request body over \(bodyLimit) bytes; send fewer or shorter parameters")
        }
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        return QueryParameters(pairs: parse(Substring(text)) + url.pairs)
    }
}
