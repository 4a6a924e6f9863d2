/// Limits on push requests, each answered with its own status and message.
struct PushLimits: Sendable {
    /// Largest body, compressed or not (413 beyond).
    var maxBodyBytes: Int
    /// Most series in one request (400 beyond).
    var maxSeriesPerRequest: Int
}
