/// Receives each series of a validated `WriteRequest` from `RemoteWriteDecoder.decode`.
public protocol RemoteWriteVisitor {
    /// Called once with all series of the request before the first `visit`: the place to look
    /// them all up (e.g. in a cache) in tight loops, where the lookups' cache misses overlap.
    mutating func prepare(_ all: RemoteWriteSeriesList)
    /// Called once per `TimeSeries`, in request order. The views are only valid during the call.
    mutating func visit(_ series: RemoteWriteSeries)
}

extension RemoteWriteVisitor {
    /// Does nothing: visitors without a lookup to batch need no preparation.
    @inlinable public mutating func prepare(_ all: RemoteWriteSeriesList) {}
}
