extension RemoteWriteLabels {
    /// Builds validated `Labels` (Strings, Prometheus name rules via `Labels(validating:)`): the
    /// slow path for a series not found by `hash`/`rawBytes` in the caller's cache.
    public func makeLabels() throws(LabelError) -> Labels {
        var pairs: [Label] = []
        pairs.reserveCapacity(count)
        for l in self {
            pairs.append(Label(name: l.nameString, value: l.valueString))
        }
        return try Labels(validating: pairs)
    }

    /// True when these labels, without empty values, are exactly `labels`' pairs: verifies a
    /// cache hit found by hash without building Strings. Wire order sorted by name (as senders
    /// send) is compared in one pass; any other order falls back to looking each name up.
    public func matches(_ labels: Labels) -> Bool {
        let pairs = labels.pairs
        var i = 0
        var inOrder = true
        for l in self where l.value.count > 0 {
            guard i < pairs.count else { return false }
            if inOrder, !(Self.equal(l.name, pairs[i].name) && Self.equal(l.value, pairs[i].value)) { inOrder = false }
            i += 1
        }
        guard i == pairs.count else { return false }
        if inOrder { return true }
        // Same number of non-empty labels: equal iff each is found (names are unique in `labels`
        // and, once validated, on the wire).
        for l in self where l.value.count > 0 {
            guard let pair = pairs.first(where: { Self.equal(l.name, $0.name) }), Self.equal(l.value, pair.value) else { return false }
        }
        return true
    }

    @inline(__always) static func equal(_ bytes: UnsafeRawBufferPointer, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { u in
            guard u.count == bytes.count else { return false }
            guard let a = bytes.baseAddress, let b = u.baseAddress else { return u.count == 0 }
            return RemoteWriteByteRules.equal(a, UnsafeRawPointer(b), u.count)
        }
    }
}
