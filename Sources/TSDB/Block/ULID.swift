#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Universally unique lexicographically sortable identifier: 48-bit millisecond time + 80 random
/// bits, written as 26 Crockford base32 characters. Names block directories so that a plain
/// string sort is a sort by creation time.
public enum ULID {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    /// Last (time, random) handed out, so ULIDs made in one millisecond still increase.
    static let last = Mutex<(ms: UInt64, hi: UInt16, lo: UInt64)>((0, 0, 0))

    /// A new ULID for the current time, strictly greater than any made before by this process.
    public static func make() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let now = UInt64(max(0, Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000))
        let (ms, hi, lo): (UInt64, UInt16, UInt64) = last.withLock { state in
            if now <= state.ms {
                // Same (or earlier) millisecond: increment the random part (monotonic ULID).
                let (l, carry) = state.lo.addingReportingOverflow(1)
                state.lo = l
                if carry { state.hi &+= 1 }
            } else {
                var g = SystemRandomNumberGenerator()
                state = (now, UInt16.random(in: 0...UInt16.max, using: &g), UInt64.random(in: 0...UInt64.max, using: &g))
            }
            return state
        }
        return encode(milliseconds: ms, randomHigh: hi, randomLow: lo)
    }

    /// Formats 48-bit time and 80-bit randomness (16 high + 64 low bits) as 26 characters.
    public static func encode(milliseconds: UInt64, randomHigh: UInt16, randomLow: UInt64) -> String {
        // 128 bits laid out as time(48) | random(80); the first character carries 3 bits.
        let high: UInt64 = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | UInt64(randomHigh)
        let low: UInt64 = randomLow
        var out = [UInt8](repeating: 0, count: 26)
        for i in 0..<26 {
            let bitFromEnd = (25 - i) * 5 // position of this character's lowest bit
            var v: UInt64
            if bitFromEnd >= 64 {
                v = high >> UInt64(bitFromEnd - 64)
            } else if bitFromEnd + 5 <= 64 {
                v = low >> UInt64(bitFromEnd)
            } else {
                v = (low >> UInt64(bitFromEnd)) | (high << UInt64(64 - bitFromEnd))
            }
            out[i] = alphabet[Int(v & 31)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when `s` is 26 Crockford base32 characters (upper case) starting with 0-7.
    public static func isValid(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 26, let f = u.first, f >= UInt8(ascii: "0"), f <= UInt8(ascii: "7") else { return false }
        return u.allSatisfy { alphabet.contains($0) }
    }

    /// Milliseconds since the epoch encoded in a valid ULID.
    public static func timestamp(of s: String) -> UInt64? {
        guard isValid(s) else { return nil }
        var ms: UInt64 = 0
        for c in s.utf8.prefix(10) {
            guard let i = alphabet.firstIndex(of: c) else { return nil }
            ms = ms << 5 | UInt64(i)
        }
        return ms
    }
}
