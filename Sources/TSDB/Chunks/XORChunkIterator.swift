/// Decodes the samples of an `XORChunk` in order; see `XORChunk` for the format.
///
/// Holds the chunk's bytes, so it stays valid (and unchanged) while the chunk keeps growing.
/// Corrupt or truncated bytes end the iteration (`next()` returns false) instead of trapping.
///
/// Bytes known to be valid (from `XORChunk` or `SealedXORChunk`) are decoded from a 64-bit
/// window of stream bits held in a register, refilled before every sample by one load whose
/// address was known a sample earlier. That load is thus off the chain of dependent operations
/// from one sample to the next (a sample's length depends on its bits, the next sample's bits
/// on that length), which bounds decoding speed. Once the refill would read past the stream's
/// last byte, the window already holds the rest of the stream. Untrusted bytes are decoded
/// from loads at each sample's bit position, with every field checked.
public struct XORChunkIterator: SampleIterator, Sendable {
    /// Everything that changes per decoded sample, kept together so the hot loop holds it in
    /// registers; rare paths take and return it by value, because taking its address would
    /// force it into memory for the whole loop.
    @usableFromInline
    struct State: Sendable {
        @usableFromInline var t: Int64
        /// Previous timestamp delta, wrapping.
        @usableFromInline var delta: UInt64
        @usableFromInline var valueBits: UInt64
        /// Current XOR window as in a new-window header: leading-zero count << 6 | significant
        /// bit count mod 64 (0 means 64), so a new window is taken over without arithmetic.
        @usableFromInline var xorWindow: Int
        /// Stream bits from the current position on, left-aligned: the top `windowBits` are
        /// accounted for; the bits below them are stream bits too, or zero.
        @usableFromInline var window: UInt64
        /// Bits accounted for in `window`: 56...63 after a refill, fewer as samples are
        /// consumed; -7...0 (with `window` zero) when the window is not loaded.
        @usableFromInline var windowBits: Int
        /// Offset of the byte right after the accounted bits: `8 * nextByte == position +
        /// windowBits`. The next refill loads the 8 bytes from here.
        @usableFromInline var nextByte: Int

        /// A state at bit `position` with the window not loaded.
        @inlinable
        init(position: Int, t: Int64, delta: UInt64, valueBits: UInt64, significant: Int, trailing: Int) {
            self.t = t
            self.delta = delta
            self.valueBits = valueBits
            xorWindow = (64 &- significant &- trailing) &<< 6 | significant & 63
            window = 0
            windowBits = -(position & 7)
            nextByte = position &>> 3
        }

        /// Bit position of the next sample.
        @inlinable
        var position: Int { nextByte &* 8 &- windowBits }

        /// Significant bits of the current XOR window (1...64).
        @inlinable
        var significant: Int { (xorWindow &- 1) & 63 &+ 1 }

        /// Trailing zero bits of the current XOR window.
        @inlinable
        var trailing: Int { 64 &- xorWindow &>> 6 &- significant }

        /// Moves to bit `p`, loading the window when its 8 bytes from `p`'s byte are readable
        /// (that byte at most `lastLoad`); else leaves it unloaded, with `nextByte > lastLoad`.
        @inlinable @inline(__always)
        mutating func move(to p: Int, _ base: UnsafeRawPointer, lastLoad: Int) {
            let byte = p &>> 3
            if byte <= lastLoad {
                window = BitReader.peek(base, p)
                windowBits = 56 &- (p & 7)
                nextByte = byte &+ 7
            } else {
                window = 0
                windowBits = -(p & 7)
                nextByte = byte
            }
        }

        /// Tops the window up to 56...63 accounted bits with the 8 bytes at `nextByte`.
        /// Requires 0...63 accounted bits. The bits already in the window are ORed with
        /// themselves, so no masking is needed.
        @inlinable @inline(__always)
        mutating func refill(_ base: UnsafeRawPointer) {
            let word = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: nextByte, as: UInt64.self))
            window |= word &>> UInt64(truncatingIfNeeded: windowBits)
            nextByte &+= (63 &- windowBits) &>> 3
            windowBits |= 56
        }

        /// Drops the first `n` bits (0...windowBits, below 64).
        @inlinable @inline(__always)
        mutating func consume(_ n: Int) {
            window &<<= UInt64(truncatingIfNeeded: n)
            windowBits &-= n
        }
    }

    /// Encoded bytes followed by zero padding past `endBit`: `BitReader.padding` bytes for
    /// untrusted bytes, at least `BitReader.validStreamPadding` for bytes known to be valid.
    @usableFromInline let storage: XORChunkStorage
    /// Samples that can be returned; lowered to the samples decoded when the bytes are corrupt.
    @usableFromInline var count: Int
    /// Bit position one past the last valid bit; reading beyond it means corrupt input.
    @usableFromInline let endBit: Int
    /// Last byte offset the window may be loaded from: the stream's last byte (the load's 7
    /// other bytes are padding); past it the window already holds the rest of the stream.
    /// `Int.min` for untrusted bytes, which are always decoded at their position, with checks.
    @usableFromInline let lastLoad: Int
    /// Whether the bytes are known to be valid: decoding from the window skips all checks.
    @usableFromInline let trusted: Bool
    /// How many of the two samples decoded up front have been returned (0...2).
    @usableFromInline var head: Int
    /// Samples `next()` may still decode on its fast path: 0 until the two samples decoded up
    /// front have been returned. Counting down keeps the hot loop to one register and a test.
    @usableFromInline var fastLeft: Int
    /// Set once `next()` returned false, so `seek` keeps failing too.
    @usableFromInline var exhausted: Bool
    /// The current sample and the decoder state after it. Starts as the first sample.
    @usableFromInline var state: State
    /// Decoder state after the second sample (decoded up front: it has the varint delta).
    @usableFromInline let second: State

    /// An iterator over a chunk's `count` samples in `storage` (already padded), given the first
    /// sample and the decoder state after the second; `trusted` when the bytes are known valid.
    @inlinable
    init(storage: XORChunkStorage, count: Int, endBit: Int, trusted: Bool, first: State, second: State) {
        self.storage = storage
        self.count = count
        self.endBit = endBit
        lastLoad = trusted ? ((endBit &+ 7) &>> 3) &- 1 : Int.min
        self.trusted = trusted
        head = 0
        fastLeft = 0
        exhausted = false
        state = first
        self.second = second
    }

    /// An iterator over the chunk in `storage`: header, then the stream up to bit `endBit`, then
    /// zero padding (see `storage`; `trusted` when the bytes are known valid). Reads the
    /// header's count and decodes the first two samples; corrupt bytes just shorten the
    /// iteration. Shares `storage` (no copy). Inlined, and the decoding out of line, so that
    /// the caller builds the iterator from values and can keep it in registers.
    /// `startByte` is where the chunk's header starts in `storage` (chunks packed back to back).
    @inlinable @inline(__always)
    init(paddedStorage storage: XORChunkStorage, startByte: Int = 0, endBit end: Int, trusted: Bool) {
        let h = Self.decodeHead(storage, startByte: startByte, endBit: end)
        self.init(
            storage: storage, count: h.count, endBit: end, trusted: trusted,
            first: State(position: 0, t: h.firstT, delta: 0, valueBits: h.firstValueBits, significant: 64, trailing: 0),
            second: State(
                position: h.secondPosition, t: h.secondT, delta: h.secondDelta, valueBits: h.secondValueBits,
                significant: h.secondSignificant, trailing: h.secondTrailing))
    }

    /// The header's sample count (lowered to the samples decodable) and the first two samples,
    /// as plain values.
    @usableFromInline
    struct Head: Sendable {
        @usableFromInline var count = 0
        @usableFromInline var firstT: Int64 = 0
        @usableFromInline var firstValueBits: UInt64 = 0
        /// Bit position right after the first sample.
        @usableFromInline var firstEnd = 0
        /// Bit position right after the second sample.
        @usableFromInline var secondPosition = 0
        @usableFromInline var secondT: Int64 = 0
        @usableFromInline var secondDelta: UInt64 = 0
        @usableFromInline var secondValueBits: UInt64 = 0
        @usableFromInline var secondSignificant = 64
        @usableFromInline var secondTrailing = 0

        init() {}
    }

    /// Reads the header and decodes the first two samples (see `init(paddedStorage:endBit:trusted:)`).
    @usableFromInline
    static func decodeHead(_ storage: XORChunkStorage, startByte: Int = 0, endBit end: Int) -> Head {
        var h = Head()
        let start = (startByte &+ XORChunk.headerBytes) &* 8
        storage.withBase { base in
            guard end >= start else { return }
            let header = Int(base.load(fromByteOffset: startByte, as: UInt8.self)) << 8
                | Int(base.load(fromByteOffset: startByte &+ 1, as: UInt8.self))
            var r = BitReader(position: start)
            guard header >= 1, let zz = r.readUVarint(base) else { return }
            let firstT = Int64(bitPattern: zz &>> 1) ^ -Int64(bitPattern: zz & 1)
            let firstValueBits = r.read(64, base)
            guard r.position <= end else { return }
            h.count = 1
            h.firstT = firstT
            h.firstValueBits = firstValueBits
            h.firstEnd = r.position
            guard header >= 2, let d = r.readUVarint(base) else { return }
            var second = State(
                position: 0, t: firstT &+ Int64(bitPattern: d), delta: d, valueBits: firstValueBits,
                significant: 64, trailing: 0)
            guard Self.decodeValue(&r, &second, base), r.position <= end else { return }
            h.count = header
            h.secondPosition = r.position
            h.secondT = second.t
            h.secondDelta = d
            h.secondValueBits = second.valueBits
            h.secondSignificant = second.significant
            h.secondTrailing = second.trailing
        }
        return h
    }

    /// An iterator over untrusted bytes (header and stream): pads a copy, then decodes the first
    /// two samples; corrupt bytes just shorten the iteration.
    @usableFromInline
    init(unvalidatedBytes bytes: [UInt8]) {
        let storage = bytes.withUnsafeBytes { src in
            XORChunkStorage(
                zeroedCount: bytes.count &+ BitReader.padding, copying: bytes.count,
                of: src.baseAddress ?? UnsafeRawPointer(bitPattern: 1).unsafelyUnwrapped)
        }
        self.init(paddedStorage: storage, endBit: bytes.count &* 8, trusted: false)
    }

    /// An iterator over `chunk`'s samples.
    @inlinable
    public init(_ chunk: XORChunk) {
        self = chunk.makeIterator()
    }

    /// Timestamp (ms) of the current sample.
    @inlinable
    public var timestamp: Int64 { state.t }

    /// Value of the current sample, bit-exact (NaN payloads included).
    @inlinable
    public var value: Double { Double(bitPattern: state.valueBits) }

    /// Samples returned so far.
    @inlinable
    var index: Int { head < 2 ? head : count &- fastLeft }

    /// Advances to the next sample; false at the end or on corrupt bytes.
    @inlinable @inline(__always)
    public mutating func next() -> Bool {
        if _fastPath(fastLeft > 0) {
            var s = state
            let ok = Self.decodeSample(&s, storage.base, lastLoad: lastLoad, endBit: endBit, trusted: trusted)
            if _slowPath(!ok) { return stop() }
            state = s
            fastLeft &-= 1
            return true
        }
        return nextRarely()
    }

    /// `next()` off its fast path: the two samples decoded up front, the end. Always inlined:
    /// a call would take the iterator's address and force it out of registers in the caller.
    @inlinable @inline(__always)
    mutating func nextRarely() -> Bool {
        guard head < 2 && head < count else { return stop() }
        if head == 1 {
            var s = second
            if count > 2 {
                // Valid bytes hold a third sample here, so the position is inside the stream.
                s.move(to: s.position, storage.base, lastLoad: lastLoad)
            }
            state = s
            fastLeft = count &- 2
        }
        head &+= 1
        return true
    }

    /// Ends the iteration at the samples returned so far.
    @inlinable @inline(__always)
    mutating func stop() -> Bool {
        count = index
        head = 2
        fastLeft = 0
        exhausted = true
        return false
    }

    /// Advances to the first sample at or after `target`; never moves backwards. Always
    /// inlined, like `next()`, so the caller's iterator can stay in registers.
    @inlinable @inline(__always)
    public mutating func seek(to target: Int64) -> Bool {
        if exhausted { return false }
        if head > 0 && state.t >= target { return true }
        while next() {
            if state.t >= target { return true }
        }
        return false
    }

    /// Calls `body` with every remaining sample, then leaves the iterator exhausted. Runs on a
    /// local copy, so the decoder state stays in registers even when `self` is in memory.
    @inlinable
    public mutating func forEachRemaining(_ body: (Int64, Double) throws -> Void) rethrows {
        var it = self
        defer { self = it }
        while it.next() {
            try body(it.state.t, Double(bitPattern: it.state.valueBits))
        }
    }

    /// Appends every remaining sample to `ts`/`vs` and leaves the iterator exhausted: the bulk
    /// decode. Samples go to a temporary buffer first (plain stores, no per-element array
    /// bookkeeping), then into the arrays with one copy each.
    @inlinable
    public mutating func appendRemaining(to ts: inout [Int64], _ vs: inout [Double]) {
        let remaining = Swift.max(0, count &- index)
        guard remaining > 0 else { _ = next(); return }
        var it = self
        defer { self = it }
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: remaining) { tb in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: remaining) { vb in
                var k = 0
                while k < remaining && it.next() {
                    tb[k] = it.state.t
                    vb[k] = it.state.valueBits
                    k &+= 1
                }
                ts.append(contentsOf: UnsafeBufferPointer(rebasing: tb[0..<k]))
                UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(vb)[0..<(k &* 8)]).withMemoryRebound(to: Double.self) {
                    vs.append(contentsOf: $0)
                }
            }
        }
    }

    /// Decodes one sample after the second into `s`; false on corrupt input.
    ///
    /// Bytes known to be valid are decoded from the window, refilled before each sample while
    /// `s.nextByte <= lastLoad` (past that it holds the rest of the stream), without any
    /// checks. Untrusted bytes are decoded at their position, with checks.
    @inlinable @inline(__always)
    static func decodeSample(
        _ s: inout State, _ base: UnsafeRawPointer, lastLoad: Int, endBit: Int, trusted: Bool
    ) -> Bool {
        if _fastPath(s.nextByte <= lastLoad) {
            s.refill(base)
        } else if !trusted {
            // Field by field: passing `s`'s address would pin it to memory on the regular path.
            guard let next = decodeAtPosition(
                s.position, s.t, s.delta, s.valueBits, s.significant, s.trailing, base, endBit: endBit)
            else { return false }
            s = next
            return true
        }
        decodeValidSample(&s, base, lastLoad: lastLoad)
        return true
    }

    /// Decodes one sample after the second of valid bytes from the window (refilled by the
    /// caller). Specialised for a delta-of-delta within 14 bits and a payload of at most 56
    /// bits; the rest reads from memory at the sample's position and reloads the window.
    @inlinable @inline(__always)
    static func decodeValidSample(_ s: inout State, _ base: UnsafeRawPointer, lastLoad: Int) {
        let w = s.window
        if _slowPath(w >= 0xe000_0000_0000_0000) {
            // Delta-of-delta outside ±2^13: '1110' or '1111' buckets. Field by field, so the
            // state need not be stored to memory on the regular path.
            // (Valid bytes always decode; `if let` only to have no trap.)
            if let wide = decodeWideSample(s.position, s.t, s.delta, s.valueBits, s.significant, s.trailing, base) {
                s = wide
                s.move(to: s.position, base, lastLoad: lastLoad)
            }
            return
        }
        // '0', '10' + 5 bits or '110' + 14 bits, without branches (with jittered scrapes which
        // comes next is unpredictable): the top two bits (0x: '0', 10: '10', 11: '110' here)
        // pick a 16-bit entry of a table packed in a constant. Its low byte is the field width
        // with the prefix, its high byte 64 - the payload width: shifting left by their sum
        // (mod 64: by the prefix width) and arithmetically right by the latter extracts the
        // payload. For '0' that is 0 >> 63: the delta-of-delta comes out 0.
        let entry: UInt64 = 0x3211_3b07_3f01_3f01 &>> ((w &>> 58) & 0x30)
        let tsBits = Int(truncatingIfNeeded: entry & 0xff)
        let keep = entry &>> 8
        let dod = Int64(bitPattern: w &<< (UInt64(truncatingIfNeeded: tsBits) &+ keep)) &>> keep
        let d = s.delta &+ UInt64(bitPattern: dod)
        s.delta = d
        s.t = s.t &+ Int64(bitPattern: d)
        let v = w &<< UInt64(truncatingIfNeeded: tsBits)
        if v &>> 63 == 0 {
            s.consume(tsBits &+ 1)
            return
        }
        // A changed value: '10' (reuse the window) or '11' + new window: 5-bit leading-zero
        // count, 6-bit significant-bit count (0 means 64), kept as they are in `xorWindow`.
        // Told apart without branches (which comes next is unpredictable for counters and
        // gauges): the window is picked from a pair by shifting by 0 or 16 with bit 62 of `v`
        // (a plain select would be turned into a branch by the compiler).
        let pair = UInt64(truncatingIfNeeded: s.xorWindow) | (v &>> 51 & 0x7ff) &<< 16
        let xorWindow = Int(truncatingIfNeeded: (pair &>> ((v &>> 58) & 16)) & 0xffff)
        s.xorWindow = xorWindow
        let sigMinus1 = (xorWindow &- 1) & 63
        let used = tsBits &+ 2 &+ Int(truncatingIfNeeded: (v &>> 62) & 1) &* 11
        let sig = sigMinus1 &+ 1
        let x: UInt64
        if _fastPath(used &+ sig <= 56) {
            // The whole sample was in the window (it holds at least 56 bits, or the rest of
            // the stream). The test is on 56, not the window's 56...63 bits, so that it is
            // predictable for a series whose values keep their size.
            x = (w &<< UInt64(truncatingIfNeeded: used)) &>> UInt64(truncatingIfNeeded: 63 &- sigMinus1)
            s.consume(used &+ sig)
        } else {
            // A long payload: top the window up again, then take it (up to 56 bits fit).
            s.consume(used)
            if _fastPath(s.nextByte <= lastLoad) { s.refill(base) }
            if _fastPath(sig <= s.windowBits) {
                x = s.window &>> UInt64(truncatingIfNeeded: 63 &- sigMinus1)
                s.consume(sig)
            } else {
                let p = s.position
                x = BitReader.peekBits(base, p, sig)
                s.move(to: p &+ sig, base, lastLoad: lastLoad)
            }
        }
        let trailing = 63 &- xorWindow &>> 6 &- sigMinus1
        s.valueBits ^= x &<< UInt64(truncatingIfNeeded: trailing)
    }

    /// Decodes one sample after the second from loads at its bit position, checking every
    /// field (for untrusted bytes); nil on corrupt input. The window is left unloaded.
    @usableFromInline
    static func decodeAtPosition(
        _ p: Int, _ t: Int64, _ delta: UInt64, _ valueBits: UInt64, _ significant: Int, _ trailing: Int,
        _ base: UnsafeRawPointer, endBit: Int
    ) -> State? {
        var s = State(
            position: p, t: t, delta: delta, valueBits: valueBits, significant: significant, trailing: trailing)
        guard decodeCheckedSample(&s, base, endBit: endBit) else { return nil }
        return s
    }

    /// Decodes one sample after the second at `s.position` from loads at that position,
    /// checking every field and that it ends by `endBit`; false on corrupt input. The window
    /// is left unloaded. Reads at most 23 bytes past `endBit` (see `BitReader.padding`).
    @inline(__always)
    static func decodeCheckedSample(_ s: inout State, _ base: UnsafeRawPointer, endBit: Int) -> Bool {
        let p = s.position
        let w = BitReader.peek(base, p)
        if _slowPath(w >= 0xe000_0000_0000_0000) {
            guard let wide = decodeWideSample(p, s.t, s.delta, s.valueBits, s.significant, s.trailing, base),
                wide.position <= endBit
            else { return false }
            s = wide
            return true
        }
        // '0', '10' + 5 bits or '110' + 14 bits (see `decodeValidSample`).
        let entry: UInt64 = 0x3211_3b07_3f01_3f01 &>> ((w &>> 58) & 0x30)
        let tsBits = Int(truncatingIfNeeded: entry & 0xff)
        let keep = entry &>> 8
        let dod = Int64(bitPattern: w &<< (UInt64(truncatingIfNeeded: tsBits) &+ keep)) &>> keep
        s.delta &+= UInt64(bitPattern: dod)
        s.t &+= Int64(bitPattern: s.delta)
        let v = w &<< UInt64(truncatingIfNeeded: tsBits)
        var used = tsBits &+ 1
        if v &>> 63 != 0 {
            used = tsBits &+ 2
            if v &>> 62 == 3 {
                let lead = Int(truncatingIfNeeded: v &>> 57) & 31
                let s6 = Int(truncatingIfNeeded: v &>> 51) & 63
                guard lead &+ (s6 == 0 ? 64 : s6) <= 64 else { return false }
                s.xorWindow = lead &<< 6 | s6
                used = tsBits &+ 13
            }
            let sig = s.significant
            let x = used &+ sig <= 57
                ? (w &<< UInt64(truncatingIfNeeded: used)) &>> UInt64(truncatingIfNeeded: 64 &- sig)
                : BitReader.peekBits(base, p &+ used, sig)
            s.valueBits ^= x &<< UInt64(truncatingIfNeeded: s.trailing)
            used &+= sig
        }
        guard p &+ used <= endBit else { return false }
        s.move(to: p &+ used, base, lastLoad: .min)
        return true
    }

    /// Decodes a sample after the second whose delta-of-delta has a '1110' or '1111' prefix,
    /// reading at its bit `position`; the result's window is not loaded. Nil on corrupt input.
    @usableFromInline
    static func decodeWideSample(
        _ position: Int, _ t: Int64, _ delta: UInt64, _ valueBits: UInt64, _ significant: Int, _ trailing: Int,
        _ base: UnsafeRawPointer
    ) -> State? {
        var r = BitReader(position: position &+ 3)
        let dod: Int64
        if r.read(1, base) == 1 {
            dod = Int64(bitPattern: r.read(64, base))
        } else {
            dod = Int64(bitPattern: r.read(20, base) &<< 44) &>> 44
        }
        let d = delta &+ UInt64(bitPattern: dod)
        var s = State(
            position: 0, t: t &+ Int64(bitPattern: d), delta: d, valueBits: valueBits,
            significant: significant, trailing: trailing)
        guard decodeValue(&r, &s, base) else { return nil }
        s.move(to: r.position, base, lastLoad: .min)
        return s
    }

    /// Reads one XOR-encoded value field by field; false on corrupt input.
    @usableFromInline
    static func decodeValue(_ r: inout BitReader, _ s: inout State, _ base: UnsafeRawPointer) -> Bool {
        if r.read(1, base) == 0 { return true }
        if r.read(1, base) == 1 {
            let lead = Int(truncatingIfNeeded: r.read(5, base))
            let s6 = Int(truncatingIfNeeded: r.read(6, base))
            let sig = s6 == 0 ? 64 : s6
            if lead &+ sig > 64 { return false }
            s.xorWindow = lead &<< 6 | s6
        }
        s.valueBits ^= r.read(s.significant, base) &<< UInt64(truncatingIfNeeded: s.trailing)
        return true
    }
}
