/// The heap object behind `XORChunkStorage`: a 4-byte header holding the byte count, then the
/// bytes, in one allocation.
@usableFromInline
final class XORChunkBuffer: ManagedBuffer<UInt32, UInt8> {}

/// Fixed-size, zero-initialised heap bytes of a chunk, shared copy-on-write.
///
/// A `ManagedBuffer` rather than `[UInt8]`: its object header is 20 bytes instead of 32, which
/// matters for the millions of small sealed chunks a head holds.
///
/// `@unchecked Sendable` because `ManagedBuffer` is not Sendable. It is race-free for the same
/// reason `Array` is: bytes are only written through `withMutableBase` after `isUnique()` returned
/// true (the writer owns the only reference); a shared buffer is never written.
@usableFromInline
struct XORChunkStorage: @unchecked Sendable {
    /// Bytes of the heap object in front of the bytes (object header plus the count).
    @usableFromInline static var objectOverhead: Int { 20 }

    @usableFromInline var buffer: XORChunkBuffer

    /// `count` zero bytes.
    @inlinable
    init(zeroedCount count: Int) {
        buffer = unsafeDowncast(
            XORChunkBuffer.create(minimumCapacity: count) { _ in UInt32(truncatingIfNeeded: count) },
            to: XORChunkBuffer.self)
        buffer.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: count) }
    }

    /// Number of bytes.
    @inlinable
    var count: Int {
        // Through the pointer: the `header` property would pay a dynamic exclusivity check.
        Int(buffer.withUnsafeMutablePointerToHeader { $0.pointee })
    }

    /// Address of the first byte; valid while this storage (its buffer) is alive. For hot loops
    /// that hold the storage anyway, where a closure would capture their state.
    @inlinable
    var base: UnsafeRawPointer {
        UnsafeRawPointer(buffer.withUnsafeMutablePointerToElements { $0 })
    }

    /// Calls `body` with the address of the first byte.
    @inlinable @inline(__always)
    func withBase<R, E: Error>(_ body: (UnsafeRawPointer) throws(E) -> R) throws(E) -> R {
        try buffer.withUnsafeMutablePointerToElements { p throws(E) in try body(UnsafeRawPointer(p)) }
    }

    /// Calls `body` with the writable address of the first byte; only after `isUnique()`.
    @inlinable @inline(__always)
    func withMutableBase<R>(_ body: (UnsafeMutableRawPointer) -> R) -> R {
        buffer.withUnsafeMutablePointerToElements { body(UnsafeMutableRawPointer($0)) }
    }

    /// True when this is the only reference, so writing cannot be observed elsewhere.
    @inlinable @inline(__always)
    mutating func isUnique() -> Bool { isKnownUniquelyReferenced(&buffer) }

    /// `count` bytes (zero-filled) starting with a copy of `source`'s first `copying` bytes.
    @inlinable
    init(zeroedCount count: Int, copying prefix: Int, of source: UnsafeRawPointer) {
        self.init(zeroedCount: count)
        withMutableBase { $0.copyMemory(from: source, byteCount: prefix) }
    }
}
