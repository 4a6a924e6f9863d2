import CZstd
import Synchronization

/// zstd compression for block frames: one reusable context per writer, a small pool of
/// decompression contexts shared by readers (contexts are not thread-safe, creating one per
/// frame would allocate ~100 KiB each time).
final class BlockZstdCompressor {
    let ctx: OpaquePointer
    let level: Int32

    init(level: Int) throws {
        guard let c = ZSTD_createCCtx() else { throw BlockError.compression("cannot create context") }
        ctx = c
        self.level = Int32(level)
    }

    deinit { ZSTD_freeCCtx(ctx) }

    /// Compresses `src` and appends the result to `out`.
    func compress(_ src: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) throws {
        let bound = ZSTD_compressBound(src.count)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let n = out.withUnsafeMutableBytes { dst in
            ZSTD_compressCCtx(ctx, dst.baseAddress! + start, bound, src.baseAddress, src.count, level)
        }
        if ZSTD_isError(n) != 0 { throw BlockError.compression(String(cString: ZSTD_getErrorName(n))) }
        out.removeLast(bound - n)
    }
}

/// Pool of zstd decompression contexts.
enum BlockZstdDecompressor {
    struct Context: @unchecked Sendable { let ptr: OpaquePointer }
    static let pool = Mutex<[Context]>([])

    /// Decompresses `src` into exactly `dst.count` bytes; false on any zstd error or size mismatch.
    static func decompress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) -> Bool {
        let ctx = pool.withLock { $0.popLast() } ?? ZSTD_createDCtx().map { Context(ptr: $0) }
        guard let ctx else { return false }
        defer {
            let keep = pool.withLock { p -> Bool in
                if p.count < 8 { p.append(ctx); return true }
                return false
            }
            if !keep { ZSTD_freeDCtx(ctx.ptr) }
        }
        guard src.count > 0, let dstBase = dst.baseAddress else { return dst.count == 0 && src.count == 0 }
        let n = ZSTD_decompressDCtx(ctx.ptr, dstBase, dst.count, src.baseAddress, src.count)
        return ZSTD_isError(n) == 0 && n == dst.count
    }
}
