import CSnappy

/// Snappy block format (not the framed/stream format), as used by remote write and remote read.
///
/// Decompression checks the length header against a caller-given limit before touching the
/// output, so a tiny hostile body cannot make the server allocate gigabytes.
public enum SnappyBlock {
    /// The decompressed length a block claims in its header (not yet verified against the data).
    public static func decompressedLength(_ compressed: UnsafeRawBufferPointer) throws(SnappyError) -> Int {
        guard let base = compressed.baseAddress, !compressed.isEmpty else { throw .invalidHeader }
        var length = 0
        guard snappy_uncompressed_length(base.assumingMemoryBound(to: CChar.self), compressed.count, &length) == SNAPPY_OK,
              length <= Int.max / 2
        else { throw .invalidHeader }
        return length
    }

    /// Decompresses into `output`, which must hold at least the decompressed length; returns that length.
    ///
    /// Throws `.decompressedTooLarge` when the header claims more than `maxDecompressedBytes`.
    public static func decompress(
        _ compressed: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, maxDecompressedBytes: Int
    ) throws(SnappyError) -> Int {
        let length = try decompressedLength(compressed)
        guard length <= maxDecompressedBytes else { throw .decompressedTooLarge(length: length, limit: maxDecompressedBytes) }
        guard length <= output.count else { throw .outputTooSmall(needed: length, available: output.count) }
        if length == 0 {
            // snappy_uncompress wants a non-null output; an empty block is a single 0x00 header byte.
            return 0
        }
        guard let src = compressed.baseAddress, let dst = output.baseAddress else { throw .corrupt }
        var produced = length
        let status = snappy_uncompress(
            src.assumingMemoryBound(to: CChar.self), compressed.count, dst.assumingMemoryBound(to: CChar.self), &produced)
        guard status == SNAPPY_OK, produced == length else { throw .corrupt }
        return length
    }

    /// Decompresses into a new array of exactly the decompressed length.
    public static func decompress(_ compressed: UnsafeRawBufferPointer, maxDecompressedBytes: Int) throws(SnappyError) -> [UInt8] {
        let length = try decompressedLength(compressed)
        guard length <= maxDecompressedBytes else { throw .decompressedTooLarge(length: length, limit: maxDecompressedBytes) }
        var failure: SnappyError?
        // Uninitialized capacity: avoids zero-filling bytes snappy overwrites anyway.
        let out = [UInt8](unsafeUninitializedCapacity: length) { buf, count in
            do throws(SnappyError) {
                count = try decompress(compressed, into: UnsafeMutableRawBufferPointer(buf), maxDecompressedBytes: maxDecompressedBytes)
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return out
    }

    /// Decompresses into `buffer`, reusing its capacity (the buffer ends up with exactly the decompressed bytes).
    public static func decompress(
        _ compressed: UnsafeRawBufferPointer, maxDecompressedBytes: Int, into buffer: inout [UInt8]
    ) throws(SnappyError) {
        let length = try decompressedLength(compressed)
        guard length <= maxDecompressedBytes else { throw .decompressedTooLarge(length: length, limit: maxDecompressedBytes) }
        // Only the growth beyond the current count is zero-filled; a reused buffer of similar size costs nothing.
        if buffer.count < length {
            buffer.append(contentsOf: repeatElement(0, count: length - buffer.count))
        } else if buffer.count > length {
            buffer.removeLast(buffer.count - length)
        }
        var failure: SnappyError?
        buffer.withUnsafeMutableBytes { out in
            do throws(SnappyError) { _ = try decompress(compressed, into: out, maxDecompressedBytes: maxDecompressedBytes) } catch { failure = error }
        }
        if let failure {
            buffer.removeAll(keepingCapacity: true)
            throw failure
        }
    }

    /// Compresses `input` into a new snappy block.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let bound = snappy_max_compressed_length(input.count)
        return [UInt8](unsafeUninitializedCapacity: bound) { buf, count in
            var produced = bound
            // An empty input still needs a valid (non-null) source pointer.
            let empty: CChar = 0
            let status: snappy_status = withUnsafePointer(to: empty) { emptyPtr in
                let src = input.baseAddress?.assumingMemoryBound(to: CChar.self) ?? emptyPtr
                return buf.baseAddress.map { dst in
                    dst.withMemoryRebound(to: CChar.self, capacity: bound) { snappy_compress(src, input.count, $0, &produced) }
                } ?? SNAPPY_BUFFER_TOO_SMALL
            }
            // snappy_compress only fails when the output is smaller than snappy_max_compressed_length.
            count = status == SNAPPY_OK ? produced : 0
        }
    }

    /// Compresses `input` into a new snappy block.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }
}
