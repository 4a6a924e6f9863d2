/// A head series' labels as symbol ids (name, value, name, value…), varint-packed in one small
/// heap object that also knows its `SymbolTable`.
///
/// Ids are mostly small, so a typical series' ids take 1–2 bytes each instead of 4; keeping the
/// table here rather than in the series keeps the series object in a smaller allocation class.
/// When the last copy goes away (the series was dropped and no reader holds it), its uses of the
/// symbols go back, so strings no series uses any more are forgotten.
///
/// `@unchecked Sendable` (`ManagedBuffer` is not Sendable): the bytes are written once, before
/// the value is shared, and only read afterwards; the symbol table is thread-safe.
struct SeriesLabelIDs: @unchecked Sendable {
    /// The heap object: the table and sizes, then the varint bytes, in one allocation.
    final class Buffer: ManagedBuffer<Header, UInt8> {
        deinit {
            let symbols = header.symbols, n = Int(header.byteCount)
            withUnsafeMutablePointerToElements { p in symbols.release { SeriesLabelIDs.forEachID(p, n, $0) } }
        }
    }

    struct Header {
        let symbols: SymbolTable
        let byteCount: UInt32
        let pairCount: UInt32
    }

    private let buffer: Buffer

    /// `ids` (name and value ids alternating) packed for `symbols`, which counted a use of each.
    init(_ ids: [UInt32], symbols: SymbolTable) {
        var bytes = 0
        for id in ids { bytes &+= Self.varintSize(id) }
        let made = Buffer.create(minimumCapacity: bytes) { _ in
            Header(symbols: symbols, byteCount: UInt32(truncatingIfNeeded: bytes), pairCount: UInt32(truncatingIfNeeded: ids.count / 2))
        }
        made.withUnsafeMutablePointerToElements { p in
            var at = 0
            for var id in ids {
                while id >= 0x80 {
                    p[at] = UInt8(truncatingIfNeeded: id) | 0x80
                    id &>>= 7
                    at &+= 1
                }
                p[at] = UInt8(truncatingIfNeeded: id)
                at &+= 1
            }
        }
        buffer = unsafeDowncast(made, to: Buffer.self)
    }

    private static func varintSize(_ id: UInt32) -> Int {
        id < 1 << 7 ? 1 : id < 1 << 14 ? 2 : id < 1 << 21 ? 3 : id < 1 << 28 ? 4 : 5
    }

    /// Calls `body` with each id of the `count` varint bytes at `p`, in order.
    @inline(__always)
    fileprivate static func forEachID(_ p: UnsafeMutablePointer<UInt8>, _ count: Int, _ body: (UInt32) -> Void) {
        var at = 0, id: UInt32 = 0, shift: UInt32 = 0
        while at < count {
            let b = p[at]
            id |= UInt32(b & 0x7f) &<< shift
            at &+= 1
            if b < 0x80 {
                body(id)
                id = 0
                shift = 0
            } else {
                shift &+= 7
            }
        }
    }

    /// Number of label pairs.
    var pairCount: Int { Int(buffer.header.pairCount) }

    /// Calls `body` with each id in order (name, value, name, value…).
    @inline(__always)
    func forEachID(_ body: (UInt32) -> Void) {
        let n = Int(buffer.header.byteCount)
        buffer.withUnsafeMutablePointerToElements { Self.forEachID($0, n, body) }
    }

    /// The ids in order.
    var ids: [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(pairCount &* 2)
        forEachID { out.append($0) }
        return out
    }

    /// The labels these ids stand for; `hash` is their stable hash (kept by the series).
    func labels(hash: UInt64) -> Labels { buffer.header.symbols.labels(self, hash: hash) }

    /// True when these ids stand for exactly `labels`.
    func matches(_ labels: Labels) -> Bool { buffer.header.symbols.matches(self, labels) }
}
