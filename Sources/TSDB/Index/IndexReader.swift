/// Read access to the label index of one block or of the head.
///
/// Series are identified by dense `UInt32` ordinals local to that index. Every list returned is
/// sorted ascending and free of duplicates. Implementations are thread-safe for concurrent reads.
public protocol IndexReader: Sendable {
    /// All label names present, sorted.
    func labelNames() -> [String]
    /// All values of label `name`, sorted; empty when the name is absent.
    func labelValues(for name: String) -> [String]
    /// Series that carry exactly `name="value"`, sorted ascending.
    func postings(name: String, value: String) -> [UInt32]
    /// Series carrying label `name` with any value, sorted ascending.
    func postings(forName name: String) -> [UInt32]
    /// Every series, sorted ascending.
    func allPostings() -> [UInt32]
}
