import CZlib

/// gzip (and zlib) request bodies, through the system zlib.
enum Gzip {
    struct Error: Swift.Error, CustomStringConvertible {
        let description: String
    }

    /// Inflates `input`; throws when it is not valid gzip/zlib data or inflates beyond `limit` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(Error) -> [UInt8] {
        var strm = z_stream()
        // 32 + MAX_WBITS: detect gzip or zlib headers automatically.
        guard inflateInit2_(&strm, 32 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Error(description: "gzip: cannot initialise zlib")
        }
        defer { inflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: min(max(input.count * 4, 4096), max(limit, 1)))
        var produced = 0
        guard let inBase = input.baseAddress else { throw Error(description: "gzip: empty body") }
        strm.next_in = UnsafeMutablePointer(mutating: inBase.assumingMemoryBound(to: Bytef.self))
        strm.avail_in = uInt(input.count)
        while true {
            if produced == out.count {
                guard out.count < limit else { throw Error(description: "body larger than \(limit) bytes after decompression") }
                out.append(contentsOf: repeatElement(0, count: min(out.count, limit - out.count)))
            }
            let rc: Int32 = out.withUnsafeMutableBytes { buf in
                strm.next_out = buf.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: Bytef.self) + produced
                strm.avail_out = uInt(buf.count - produced)
                let rc = inflate(&strm, Z_NO_FLUSH)
                produced = buf.count - Int(strm.avail_out)
                return rc
            }
            if rc == Z_STREAM_END { break }
            guard rc == Z_OK || (rc == Z_BUF_ERROR && strm.avail_out == 0) else {
                throw Error(description: "gzip: invalid compressed data" + (strm.msg.map { " (\(String(cString: $0)))" } ?? ""))
            }
            if strm.avail_in == 0 && strm.avail_out > 0 { throw Error(description: "gzip: truncated data") }
        }
        out.removeLast(out.count - produced)
        return out
    }
}
