import Foundation
import Synchronization

/// Where a closed head chunk's bytes are kept.
struct HeadChunkRef: Sendable, Equatable {
    let segment: UInt32
    let offset: UInt32
    let length: UInt32
}

/// The bytes of the head's closed chunks, out of the heap: appended to segment files under
/// `<data>/chunks_head/` and read back through read-only mappings, so they cost page cache the
/// kernel can reclaim, not resident memory, and come back in when a query reads them (as
/// Prometheus' memory-mapped head chunks do).
///
/// The WAL stays the source of truth: the files are not read at start (replay rebuilds the head)
/// and are removed then. Without a directory, or after a write error, segments live in memory.
/// Thread-safe: one lock, held for a copy of ~150 bytes per chunk closed.
public final class HeadChunkStore: Sendable {
    /// Bytes per file segment, by default.
    public static let defaultFileSegmentBytes = 32 * 1024 * 1024
    /// Bytes per memory segment: memory is taken as it is written, so the size only bounds the
    /// waste of the last one.
    static let memorySegmentBytes = 1024 * 1024

    private struct State {
        var segments: [UInt32: HeadChunkSegment] = [:]
        var current: HeadChunkSegment?
        var nextID: UInt32 = 1
    }

    /// The segment directory, nil for a memory-only store.
    public let directory: String?
    /// Bytes per file segment.
    let fileSegmentBytes: Int
    private let state = Mutex(State())

    /// A store writing under `directory` (created, and emptied of earlier segments), or in
    /// memory when nil or when the directory cannot be made.
    public init(directory: String?, segmentBytes: Int = HeadChunkStore.defaultFileSegmentBytes) {
        fileSegmentBytes = Swift.max(segmentBytes, 4096)
        var dir = directory
        if let d = directory {
            let fm = FileManager.default
            do {
                try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
                for name in (try? fm.contentsOfDirectory(atPath: d)) ?? [] where Self.isSegmentName(name) {
                    try? fm.removeItem(atPath: d + "/" + name)
                }
            } catch {
                dir = nil
            }
        }
        self.directory = dir
    }

    /// Segment files are named by their number, zero-padded to (at least) eight digits.
    static func isSegmentName(_ name: String) -> Bool {
        name.utf8.count >= 8 && name.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Stores a closed chunk's `count` encoded bytes, the sample count written into its header;
    /// `maxTime` is its newest sample's time. `superseding` (an open chunk's earlier prefix) is
    /// counted as dead bytes from now on.
    func append(_ bytes: UnsafeRawPointer, count: Int, samples: Int, maxTime: Int64,
                superseding: HeadChunkRef? = nil) -> HeadChunkRef {
        state.withLock { s in
            if let old = superseding, let seg = s.segments[old.segment] { seg.deadBytes &+= Int(old.length) }
            let seg = segment(for: count, in: &s)
            let offset = seg.append(bytes, count: count, samples: samples)
            if maxTime > seg.maxTime { seg.maxTime = maxTime }
            return HeadChunkRef(segment: seg.id, offset: UInt32(truncatingIfNeeded: offset), length: UInt32(truncatingIfNeeded: count))
        }
    }

    /// True when open chunks spill their completed bytes here (a file-backed store: spilling
    /// to memory would only move the bytes).
    var spillsOpenChunks: Bool { directory != nil }

    /// Copies the `ref.length` bytes at `ref` to `dst`; false when the segment is gone. With
    /// `mapped` (a query's read), written bytes come from the mapping, copied after the lock, as
    /// `read` does; else (a spill's read-back while appending) with `pread`, under the lock,
    /// which keeps the pages out of resident memory.
    func copy(_ ref: HeadChunkRef, to dst: UnsafeMutableRawPointer, mapped: Bool = false) -> Bool {
        let offset = Int(ref.offset), count = Int(ref.length)
        let found: (ok: Bool, mapped: MappedCopy?) = state.withLock { s in
            guard let seg = s.segments[ref.segment] else { return (false, nil) }
            if mapped, let p = seg.mappedBytes(offset: offset, count: count) {
                return (true, MappedCopy(segment: seg, source: p, destination: 0, count: count))
            }
            seg.copy(offset: offset, count: count, to: dst)
            return (true, nil)
        }
        if let m = found.mapped {
            withExtendedLifetime(m.segment) { dst.copyMemory(from: m.source, byteCount: m.count) }
        }
        return found.ok
    }

    /// The current segment when `count` bytes fit, else a new one.
    private func segment(for count: Int, in s: inout State) -> HeadChunkSegment {
        if let c = s.current, c.room >= count { return c }
        s.current?.finishWriting()
        let id = s.nextID
        s.nextID &+= 1
        var seg: HeadChunkSegment?
        // A file that cannot be created (no space, no descriptors) makes this segment a memory
        // one; the next segment tries a file again.
        if let directory {
            let size = Swift.max(fileSegmentBytes, count)
            seg = HeadChunkSegment(id: id, capacity: size, path: directory + "/" + String(format: "%08u", id))
        }
        let made = seg ?? HeadChunkSegment(id: id, capacity: Swift.max(Self.memorySegmentBytes, count))
        s.segments[id] = made
        s.current = made
        return made
    }

    /// Copies the bytes of `records`' chunks back to back to `base`; returns each copied
    /// record with its offset there. A chunk whose segment is gone (the head dropped it after the
    /// caller found it) is left out. One lock for all; mapped bytes are copied after it.
    func read(_ records: [ClosedChunkList.Record], into base: UnsafeMutableRawPointer) -> [(record: ClosedChunkList.Record, offset: Int)] {
        var out: [(record: ClosedChunkList.Record, offset: Int)] = []
        out.reserveCapacity(records.count)
        let mapped: [MappedCopy] = state.withLock { s in
            var mapped: [MappedCopy] = []
            var at = 0
            for r in records {
                guard let seg = s.segments[r.ref.segment] else { continue }
                let offset = Int(r.ref.offset), count = Int(r.ref.length)
                if let p = seg.mappedBytes(offset: offset, count: count) {
                    mapped.append(MappedCopy(segment: seg, source: p, destination: at, count: count))
                } else {
                    seg.copy(offset: offset, count: count, to: base + at)
                }
                out.append((r, at))
                at &+= count
            }
            return mapped
        }
        // Flushed bytes never change, and holding the segment keeps its mapping alive.
        for m in mapped {
            withExtendedLifetime(m.segment) { (base + m.destination).copyMemory(from: m.source, byteCount: m.count) }
        }
        return out
    }

    /// A copy out of a segment's mapping, done after the lock is released.
    private struct MappedCopy: @unchecked Sendable {
        let segment: HeadChunkSegment
        let source: UnsafeRawPointer
        let destination: Int
        let count: Int
    }

    /// Drops the segments whose chunks all end before `mint` (the head no longer holds them).
    func release(before mint: Int64) {
        let gone: [HeadChunkSegment] = state.withLock { s in
            let old = s.segments.values.filter { $0 !== s.current && $0.maxTime < mint }
            for seg in old { s.segments[seg.id] = nil }
            return old
        }
        for seg in gone { seg.removeFile() }
    }

    /// Unmaps every segment's pages that reads brought in (see `HeadChunkSegment.dropMappedPages`).
    public func dropMappedPages() {
        state.withLock { s in for seg in s.segments.values { seg.dropMappedPages() } }
    }

    /// Live bytes in segment files (for size-based retention, which counts the head's files
    /// too): open chunks' superseded prefixes are left out, so they do not push blocks out.
    public var fileBytes: Int64 {
        state.withLock { s in
            s.segments.values.reduce(Int64(0)) { $0 + ($1.inMemory ? 0 : Int64(Swift.max(0, $1.end &- $1.deadBytes))) }
        }
    }

    /// Segments held and how many of them are in memory (for tests and diagnostics).
    public var segmentCounts: (total: Int, inMemory: Int) {
        state.withLock { s in (s.segments.count, s.segments.values.filter(\.inMemory).count) }
    }

    /// Removes every segment file (at close; readers still holding segments keep their mappings).
    public func removeAll() {
        let all: [HeadChunkSegment] = state.withLock { s in
            let all = Array(s.segments.values)
            s.segments = [:]
            s.current = nil
            return all
        }
        for seg in all { seg.removeFile() }
    }
}
