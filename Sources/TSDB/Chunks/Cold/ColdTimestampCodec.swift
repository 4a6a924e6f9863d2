/// The cold encoding of one timestamp column: the timestamps of a chunk, shared by every series
/// chunk with exactly the same timestamps (all series of one scrape target).
///
/// Layout: uvarint count, zvarint t0, then (count > 1) zvarint t1-t0, then count-2 zvarints of
/// delta-of-delta. Arithmetic wraps, so any strictly increasing Int64 sequence round-trips.
public enum ColdTimestampCodec {
    /// Largest sample count a column may claim (guards allocations against corrupt input).
    public static let maxCount = 1 << 24

    /// Appends the encoding of `ts` (non-empty, strictly increasing) to `out`.
    public static func encode(_ ts: UnsafeBufferPointer<Int64>, into out: inout ColdByteWriter) {
        out.uvarint(UInt64(ts.count))
        guard let t0 = ts.first else { return }
        out.zvarint(t0)
        guard ts.count > 1 else { return }
        var prevD = ts[1] &- t0
        out.zvarint(prevD)
        var i = 2
        while i < ts.count {
            let d = ts[i] &- ts[i - 1]
            out.zvarint(d &- prevD)
            prevD = d
            i += 1
        }
    }

    /// Reads the sample count at `reader.position` without consuming anything else.
    public static func count(_ reader: inout ColdByteReader) throws(ColdFormatError) -> Int {
        try reader.count(max: maxCount)
    }

    /// Decodes `count` timestamps (after `count(_:)`) into `out`, checking they strictly increase.
    @inlinable
    public static func decodeBody(_ reader: inout ColdByteReader, count: Int, into out: UnsafeMutablePointer<Int64>) throws(ColdFormatError) {
        guard count > 0 else { return }
        var t = try reader.zvarint()
        out[0] = t
        guard count > 1 else { return }
        var d = try reader.zvarint()
        var i = 1
        while true {
            let next = t &+ d
            guard next > t else { throw .invalid("timestamps not increasing") }
            t = next
            out[i] = t
            i += 1
            if i == count { return }
            d &+= try reader.zvarint()
        }
    }
}
