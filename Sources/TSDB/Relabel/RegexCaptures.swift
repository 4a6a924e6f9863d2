/// The capture groups of one successful `RelabelRegex` match, read by template expansion.
///
/// The built-in matcher reports byte spans (no allocation); Swift `Regex` reports its own match.
struct RegexCaptures {
    /// The matched string (the whole of it: relabel regexes are fully anchored).
    let input: String
    let storage: Storage

    enum Storage {
        /// Group 0 only (patterns without groups).
        case wholeOnly
        /// Group 0 plus up to `CaptureSpans.capacity` groups as UTF-8 byte spans.
        case spans(CaptureSpans)
        /// A match from the Swift `Regex` fallback.
        case engine(SwiftRegexMatchBox)
    }

    /// Group `index`'s text, nil when the group does not exist or did not participate.
    func group(_ index: Int) -> String? {
        if index == 0 { return input }
        switch storage {
        case .wholeOnly:
            return nil
        case .spans(let s):
            guard index <= s.count, let r = s[index] else { return nil }
            var input = input
            // The common whole-input group (`(.*)`) reuses the string; otherwise copy the bytes (spans lie
            // on scalar boundaries, so the slice is valid UTF-8).
            return input.withUTF8 { buf in
                r.count == buf.count ? nil : String(decoding: UnsafeBufferPointer(rebasing: buf[r]), as: UTF8.self)
            } ?? input
        case .engine(let box):
            let m = box.match
            guard index < m.output.count, let sub = m.output[index].substring else { return nil }
            return String(sub)
        }
    }

    /// Named group `name`'s text, nil when there is no such group or it did not participate.
    func group(named name: String) -> String? {
        guard case .engine(let box) = storage else { return nil }
        for e in box.match.output where e.name == name {
            if let s = e.substring { return String(s) }
        }
        return nil
    }
}

/// Up to four capture group byte spans stored inline, so the built-in matcher never allocates.
struct CaptureSpans {
    /// Most groups the built-in matcher handles; patterns with more use Swift `Regex`.
    static let capacity = 4
    /// Number of groups in the pattern.
    let count: Int
    private var bounds: (Int, Int, Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1, -1, -1)

    init(count: Int) { self.count = count }

    /// Group `index` (1-based) as a byte range, nil when unset.
    subscript(index: Int) -> Range<Int>? {
        get {
            let (lo, hi): (Int, Int)
            switch index {
            case 1: (lo, hi) = (bounds.0, bounds.1)
            case 2: (lo, hi) = (bounds.2, bounds.3)
            case 3: (lo, hi) = (bounds.4, bounds.5)
            case 4: (lo, hi) = (bounds.6, bounds.7)
            default: return nil
            }
            return lo < 0 ? nil : lo..<hi
        }
        set {
            let lo = newValue?.lowerBound ?? -1, hi = newValue?.upperBound ?? -1
            switch index {
            case 1: bounds.0 = lo; bounds.1 = hi
            case 2: bounds.2 = lo; bounds.3 = hi
            case 3: bounds.4 = lo; bounds.5 = hi
            case 4: bounds.6 = lo; bounds.7 = hi
            default: break
            }
        }
    }
}
