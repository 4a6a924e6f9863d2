#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One block's matching series, walked in ordinal (= label) order while `Querier.select`
/// merges blocks: the current entry is decoded once and compared by its symbols' bytes, so
/// label strings are only built for series that are returned.
struct BlockSelectSource {
    let reader: BlockReader
    let ordinals: [UInt32]
    var position = -1
    var cursor: BlockSeriesCursor
    var labels = BlockLabelsBuilder()

    init(reader: BlockReader, ordinals: [UInt32]) {
        self.reader = reader
        self.ordinals = ordinals
        cursor = BlockSeriesCursor(index: reader.index)
    }

    /// Moves to the next series whose entry decodes (corrupt entries are skipped); false at the end.
    mutating func advance() -> Bool {
        while true {
            position += 1
            guard position < ordinals.count else { return false }
            do {
                try cursor.seek(Int(ordinals[position]))
                return true
            } catch {
                continue
            }
        }
    }

    /// Three-way comparison of the current series with another block's current series.
    func compare(to other: BlockSelectSource) -> Int {
        let ia = reader.index, ib = other.reader.index
        return cursor.current.labels.withUnsafeBufferPointer { a in
            other.cursor.current.labels.withUnsafeBufferPointer { b in
                let n = Swift.min(a.count, b.count) & ~1
                var k = 0
                while k < n {
                    // Equal ids of one block are equal strings, but the blocks' tables differ: compare bytes.
                    let c = Self.compare(ia.symbolBytes(Int(a[k])), ib.symbolBytes(Int(b[k])))
                    if c != 0 { return c }
                    k += 1
                }
                return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
            }
        }
    }

    /// Three-way comparison of the current series with `labels` (UTF-8 bytes, pair by pair).
    func compare(to labels: Labels) -> Int {
        let index = reader.index
        let pairs = labels.pairs
        return cursor.current.labels.withUnsafeBufferPointer { a in
            let n = Swift.min(a.count / 2, pairs.count)
            for k in 0..<n {
                let c = Self.compare(index.symbolBytes(Int(a[2 * k])), pairs[k].name)
                if c != 0 { return c }
                let d = Self.compare(index.symbolBytes(Int(a[2 * k + 1])), pairs[k].value)
                if d != 0 { return d }
            }
            return a.count / 2 == pairs.count ? 0 : (a.count / 2 < pairs.count ? -1 : 1)
        }
    }

    static func compare(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
        let n = Swift.min(x.count, y.count)
        if n > 0, let px = x.baseAddress, let py = y.baseAddress {
            let c = memcmp(px, py, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }

    static func compare(_ x: UnsafeRawBufferPointer, _ s: String) -> Int {
        if let c = s.utf8.withContiguousStorageIfAvailable({ compare(x, UnsafeRawBufferPointer($0)) }) { return c }
        var copy = s
        return copy.withUTF8 { compare(x, UnsafeRawBufferPointer($0)) }
    }
}
