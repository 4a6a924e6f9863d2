/// The float samples of one `TimeSeries`, already decoded (proto3 defaults applied: an absent
/// value or timestamp is 0). Only valid during the `visit` call that produced it.
public struct RemoteWriteSamples: RandomAccessCollection {
    /// The samples, in wire order.
    public let buffer: UnsafeBufferPointer<Sample>

    @inlinable init(_ buffer: UnsafeBufferPointer<Sample>) { self.buffer = buffer }

    /// 0.
    @inlinable public var startIndex: Int { 0 }
    /// The number of samples.
    @inlinable public var endIndex: Int { buffer.count }
    /// The `i`th sample.
    @inlinable public subscript(i: Int) -> Sample { buffer[i] }
}
