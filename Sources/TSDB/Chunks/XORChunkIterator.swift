/// Decodes the samples of an `XORChunk` in order; see `XORChunk` for the format.
///
/// Holds the chunk's byte array, so it stays valid (and unchanged) while the chunk keeps growing.
/// Corrupt or truncated bytes end the iteration (`next()` returns false) instead of trapping.
public struct XORChunkIterator: SampleIterator, Sendable {
    /// Everything that changes per decoded sample, kept together so the hot loop holds it in
    /// registers; rare paths take and return it by value, because taking its address would
    /// force it into memory for the whole loop.
    @usableFromInline
    struct State: Sendable {
        /// Bit position of the next sample.
        @usableFromInline var position: Int
        @usableFromInline var t: Int64
        /// Previous timestamp delta, wrapping.
        @usableFromInline var delta: UInt64
        @usableFromInline var valueBits: UInt64
        /// Current XOR window: significant bit count and trailing zero count.
        @usableFromInline var significant: Int
        @usableFromInline var trailing: Int

        @inlinable
        init(position: Int, t: Int64, delta: UInt64, valueBits: UInt64, significant: Int, trailing: Int) {
            self.position = position
            self.t = t
            self.delta = delta
            self.valueBits = valueBits
            self.significant = significant
            self.trailing = trailing
        }
    }

    /// Encoded bytes followed by at least `BitReader.padding` readable bytes past `endBit`.
    @usableFromInline let storage: [UInt8]
    /// Samples that can be returned; lowered to the samples decoded when the bytes are corrupt.
    @usableFromInline var count: Int
    /// Bit position one past the last valid bit; reading beyond it means corrupt input.
    @usableFromInline let endBit: Int
    /// Samples returned so far.
    @usableFromInline var index: Int
    /// `next()` decodes in place while `index < fastEnd`: 0 until the two samples decoded up
    /// front have been returned, then `count`. One compare on the hot path.
    @usableFromInline var fastEnd: Int
    /// Set once `next()` returned false, so `seek` keeps failing too.
    @usableFromInline var exhausted: Bool
    /// The current sample and the decoder state after it. Starts as the first sample.
    @usableFromInline var state: State
    /// Decoder state after the second sample (decoded up front: it has the varint delta).
    @usableFromInline let second: State

    /// An iterator over a chunk's `count` samples in `storage` (already padded), given the first
    /// sample and the decoder state after the second.
    @inlinable
    init(storage: [UInt8], count: Int, endBit: Int, first: State, second: State) {
        self.storage = storage
        self.count = count
        self.endBit = endBit
        index = 0
        fastEnd = 0
        exhausted = false
        state = first
        self.second = second
    }

    /// An iterator over untrusted bytes (header and stream): pads a copy and decodes the first
    /// two samples; corrupt bytes just shorten the iteration.
    @usableFromInline
    init(unvalidatedBytes bytes: [UInt8]) {
        let header = bytes.count >= 2 ? Int(bytes[0]) << 8 | Int(bytes[1]) : 0
        let end = bytes.count &* 8
        var padded = bytes
        padded.append(contentsOf: repeatElement(0, count: BitReader.padding))
        var decodable = 0
        let start = XORChunk.headerBytes &* 8
        var first = State(position: start, t: 0, delta: 0, valueBits: 0, significant: 64, trailing: 0)
        var second = first
        padded.withUnsafeBytes { buf in
            let base = buf.baseAddress.unsafelyUnwrapped
            var r = BitReader(position: start)
            guard header >= 1, let zz = r.readUVarint(base) else { return }
            first.t = Int64(bitPattern: zz &>> 1) ^ -Int64(bitPattern: zz & 1)
            first.valueBits = r.read(64, base)
            guard r.position <= end else { return }
            first.position = r.position
            second = first
            decodable = 1
            guard header >= 2, let d = r.readUVarint(base) else { return }
            second.t = first.t &+ Int64(bitPattern: d)
            second.delta = d
            guard Self.decodeValue(&r, &second, base), r.position <= end else { return }
            second.position = r.position
            decodable = header
        }
        self.init(storage: padded, count: decodable, endBit: end, first: first, second: second)
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

    /// Advances to the next sample; false at the end or on corrupt bytes.
    @inlinable @inline(__always)
    public mutating func next() -> Bool {
        if _fastPath(index < fastEnd) {
            var s = state
            let ok = storage.withUnsafeBytes { Self.decodeSample(&s, $0.baseAddress.unsafelyUnwrapped) }
            if _slowPath(!ok || s.position > endBit) {
                count = index
                fastEnd = index
                exhausted = true
                return false
            }
            state = s
            index &+= 1
            return true
        }
        // Rare: the two samples decoded up front, or the end. Kept inline (not a call taking
        // `self`'s address) so the caller's iterator can live in registers.
        if index < count {
            if index == 1 {
                state = second
                fastEnd = count
            }
            index &+= 1
            return true
        }
        exhausted = true
        return false
    }

    /// Advances to the first sample at or after `target`; never moves backwards.
    @inlinable
    public mutating func seek(to target: Int64) -> Bool {
        if exhausted { return false }
        if index > 0 && state.t >= target { return true }
        while next() {
            if state.t >= target { return true }
        }
        return false
    }

    /// Calls `body` with every remaining sample, then leaves the iterator exhausted. Faster than
    /// a `next()` loop because the loop never stores the decode state.
    @inlinable
    public mutating func forEachRemaining(_ body: (Int64, Double) throws -> Void) rethrows {
        while index < 2 {
            guard next() else { return }
            try body(state.t, Double(bitPattern: state.valueBits))
        }
        var s = state
        var i = index
        let n = count
        let end = endBit
        try storage.withUnsafeBytes { bytes in
            let base = bytes.baseAddress.unsafelyUnwrapped
            while i < n {
                if _slowPath(!Self.decodeSample(&s, base) || s.position > end) { return }
                i &+= 1
                try body(s.t, Double(bitPattern: s.valueBits))
            }
        }
        state = s
        index = i
        count = i
        fastEnd = i
        exhausted = true
    }

    /// Decodes one sample after the second into `s`; false on corrupt input.
    ///
    /// Specialised for the common shapes: a delta-of-delta of 0 or within 14 bits, decoded with
    /// the value's control bits (and, when it fits, its payload) from one 64-bit load. Wider
    /// delta-of-deltas go to `decodeSampleSlowly`.
    @inlinable @inline(__always)
    static func decodeSample(_ s: inout State, _ base: UnsafeRawPointer) -> Bool {
        let w = BitReader.peek(base, s.position)
        if _slowPath(w >= 0xc000_0000_0000_0000) {
            // Delta-of-delta outside ±2^13: '110', '1110' or '1111' buckets.
            guard let slow = decodeSampleSlowly(s, base) else { return false }
            s = slow
            return true
        }
        // '0' or '10' + 14-bit two's complement, by mask rather than branch: with jittered
        // scrapes the delta-of-delta is 0 about one time in five, unpredictably.
        let isTen = 0 &- (w &>> 63)
        let d = s.delta &+ (UInt64(bitPattern: Int64(bitPattern: w &<< 2) &>> 50) & isTen)
        let tsBits = 1 &+ Int(truncatingIfNeeded: isTen & 15)
        s.delta = d
        s.t = s.t &+ Int64(bitPattern: d)
        let v = w &<< UInt64(truncatingIfNeeded: tsBits)
        if v &>> 63 == 0 {
            s.position &+= tsBits &+ 1
            return true
        }
        var used = tsBits &+ 2
        if v &>> 62 == 3 {
            // New window: 5-bit leading-zero count, 6-bit significant-bit count (0 means 64).
            let lead = Int(truncatingIfNeeded: (v &>> 57) & 31)
            let sig = (Int(truncatingIfNeeded: v &>> 51) &- 1) & 63 &+ 1
            let trail = 64 &- lead &- sig
            if _slowPath(trail < 0) { return false }
            s.significant = sig
            s.trailing = trail
            used = tsBits &+ 13
        }
        let sig = s.significant
        let x: UInt64
        if used &+ sig <= 57 {
            // The payload is still inside the first window.
            x = (w &<< UInt64(truncatingIfNeeded: used)) &>> UInt64(truncatingIfNeeded: 64 &- sig)
        } else {
            x = BitReader.peekBits(base, s.position &+ used, sig)
        }
        s.valueBits ^= x &<< UInt64(truncatingIfNeeded: s.trailing)
        s.position &+= used &+ sig
        return true
    }

    /// Decodes one sample after the second field by field; nil on corrupt input.
    @usableFromInline
    static func decodeSampleSlowly(_ state: State, _ base: UnsafeRawPointer) -> State? {
        var s = state
        var r = BitReader(position: s.position)
        // Prefix bits one at a time: '0', '10', '110', '1110', '1111'.
        var width = 0
        if r.read(1, base) == 1 {
            width = 14
            if r.read(1, base) == 1 {
                width = 17
                if r.read(1, base) == 1 { width = r.read(1, base) == 1 ? 64 : 20 }
            }
        }
        var dod: Int64 = 0
        if width == 64 {
            dod = Int64(bitPattern: r.read(64, base))
        } else if width > 0 {
            let shift = UInt64(64 &- width)
            dod = Int64(bitPattern: r.read(width, base) &<< shift) &>> shift
        }
        s.delta = s.delta &+ UInt64(bitPattern: dod)
        s.t = s.t &+ Int64(bitPattern: s.delta)
        guard decodeValue(&r, &s, base) else { return nil }
        s.position = r.position
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
            s.significant = sig
            s.trailing = 64 &- lead &- sig
        }
        s.valueBits ^= r.read(s.significant, base) &<< UInt64(truncatingIfNeeded: s.trailing)
        return true
    }
}
