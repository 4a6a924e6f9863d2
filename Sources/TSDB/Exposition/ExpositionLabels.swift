/// One label pair of a sample or exemplar, as bytes of the body.
public struct ExpositionLabel {
    /// The label name (never escaped).
    public let name: UnsafeRawBufferPointer
    /// The label value, still escaped as in the body.
    public let value: ExpositionText

    @inlinable init(name: UnsafeRawBufferPointer, value: ExpositionText) {
        self.name = name
        self.value = value
    }

    /// The name as a `String`.
    public var nameString: String { String(decoding: name, as: UTF8.self) }
}

/// The label pairs of one `{...}` block of the body, tokenized again on iteration (no storage per sample).
///
/// The parser validated the block before handing it out, so iteration only splits it; on anything unexpected
/// (which cannot happen for a block the parser accepted) it stops instead of trapping.
public struct ExpositionLabels: Sequence {
    @usableFromInline let base: UnsafePointer<UInt8>
    /// Index just after `{`.
    @usableFromInline let start: Int
    /// Index of `}`.
    @usableFromInline let end: Int

    @inlinable init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.start = start
        self.end = end
    }

    /// True when the block holds no pair (`{}` or no block at all).
    @inlinable public var isEmpty: Bool {
        var it = makeIterator()
        return it.next() == nil
    }

    /// Walks the pairs in body order.
    @inlinable public func makeIterator() -> Iterator { Iterator(base: base, position: start, end: end) }

    /// Walks the pairs of an `ExpositionLabels` block.
    public struct Iterator: IteratorProtocol {
        @usableFromInline let base: UnsafePointer<UInt8>
        @usableFromInline var position: Int
        @usableFromInline let end: Int

        @inlinable init(base: UnsafePointer<UInt8>, position: Int, end: Int) {
            self.base = base
            self.position = position
            self.end = end
        }

        /// The next pair, nil after the last.
        @inlinable public mutating func next() -> ExpositionLabel? {
            var i = position
            // Separators: commas, and the blanks Prometheus text allows around tokens.
            while i < end, base[i] == UInt8(ascii: ",") || ExpositionByteClass.isBlank(base[i]) { i += 1 }
            guard i < end else { position = end; return nil }
            let nameStart = i
            while i < end && ExpositionByteClass.isLabelNameChar(base[i]) { i += 1 }
            let nameEnd = i
            while i < end && base[i] != UInt8(ascii: "\"") { i += 1 }
            i += 1
            let valueStart = i
            while i < end && base[i] != UInt8(ascii: "\"") {
                i += base[i] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard i < end, nameEnd > nameStart else { position = end; return nil }
            position = i + 1
            return ExpositionLabel(
                name: UnsafeRawBufferPointer(start: base + nameStart, count: nameEnd - nameStart),
                value: ExpositionText(raw: UnsafeRawBufferPointer(start: base + valueStart, count: i - valueStart), escaping: .labelValue))
        }
    }
}
