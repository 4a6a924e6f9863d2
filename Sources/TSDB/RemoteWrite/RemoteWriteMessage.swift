/// The remote-write 1.0 messages the parser interprets, with their known fields (for skipping
/// unknown fields and naming a known field sent with the wrong wire type).
enum RemoteWriteMessage {
    case writeRequest, timeSeries, label, sample

    /// Name and wire type of field `number`, nil when the message does not define it.
    func field(_ number: UInt64) -> (name: String, wireType: UInt8)? {
        let ld = ProtobufWireType.lengthDelimited
        switch (self, number) {
        case (.writeRequest, 1): return ("timeseries", ld)
        case (.writeRequest, 3): return ("metadata", ld)
        case (.timeSeries, 1): return ("labels", ld)
        case (.timeSeries, 2): return ("samples", ld)
        case (.timeSeries, 3): return ("exemplars", ld)
        case (.timeSeries, 4): return ("histograms", ld)
        case (.label, 1): return ("name", ld)
        case (.label, 2): return ("value", ld)
        case (.sample, 1): return ("value", ProtobufWireType.fixed64)
        case (.sample, 2): return ("timestamp", ProtobufWireType.varint)
        default: return nil
        }
    }
}
