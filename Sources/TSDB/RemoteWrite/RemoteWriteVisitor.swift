/// Receives each series of a validated `WriteRequest` from `RemoteWriteDecoder.decode`.
public protocol RemoteWriteVisitor {
    /// Called once per `TimeSeries`, in request order. The views are only valid during the call.
    mutating func visit(_ series: RemoteWriteSeries)
}
