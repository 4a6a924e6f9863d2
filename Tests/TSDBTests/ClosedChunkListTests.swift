import Testing
@testable import TSDB

/// The packed per-series list of closed chunk records: what goes in comes out, whatever the times.
@Suite struct ClosedChunkListTests {
    private typealias Record = ClosedChunkList.Record

    private static func record(_ minTime: Int64, _ maxTime: Int64, segment: UInt32 = 3, offset: UInt32 = 1_000_000,
                               length: UInt32 = 190, samples: Int = 120) -> Record {
        Record(minTime: minTime, maxTime: maxTime, ref: HeadChunkRef(segment: segment, offset: offset, length: length), samples: samples)
    }

    private static func build(_ records: [Record]) -> ClosedChunkList? {
        records.reduce(nil) { list, r in ClosedChunkList.appending(r, to: list) }
    }

    private static func all(_ list: ClosedChunkList?) -> [Record] {
        var out: [Record] = []
        list?.chunks(mint: .min, maxt: .max, into: &out)
        return out
    }

    @Test func roundTripsInOrderChunks() {
        let records = (0..<9).map { i in
            Self.record(1_700_000_000_000 + Int64(i) * 1_800_000, 1_700_000_000_000 + Int64(i) * 1_800_000 + 1_785_000,
                        segment: UInt32(i / 4), offset: UInt32(i) * 33_000_000 % 33_554_432, length: UInt32(100 + i), samples: 120 - i)
        }
        let list = Self.build(records)
        #expect(Self.all(list) == records)
        #expect(list?.count == 9)
        #expect(list?.minTime == records[0].minTime)
    }

    @Test func roundTripsExtremeAndUnorderedValues() {
        // Not what a series produces, but the encoding must not depend on it.
        let records = [
            Self.record(.max - 5, .max, segment: .max, offset: .max, length: .max, samples: 0),
            Self.record(.min, .min + 1, segment: 0, offset: 0, length: 0, samples: Int(UInt32.max)),
            Self.record(-5, -10),
            Self.record(0, 0),
        ]
        #expect(Self.all(Self.build(records)) == records)
    }

    @Test func selectsOverlappingChunks() {
        let list = Self.build([Self.record(0, 99), Self.record(100, 199), Self.record(200, 299)])
        var out: [Record] = []
        list?.chunks(mint: 150, maxt: 250, into: &out)
        #expect(out.map(\.minTime) == [100, 200])
        out.removeAll()
        list?.chunks(mint: 300, maxt: 400, into: &out)
        #expect(out.isEmpty)
    }

    @Test func droppingKeepsTheRestIntactAndCountsSamples() {
        let records = (0..<6).map { i in Self.record(Int64(i) * 1000, Int64(i) * 1000 + 900, offset: UInt32(i * 7), samples: 10 + i) }
        // A drop frees the list it drops from (the series state keeps the result): each case
        // starts from a list of its own.
        guard let list = Self.build(records) else { Issue.record("no list"); return }
        let unchanged = list.dropping(before: 0)
        #expect(unchanged.droppedSamples == 0)
        #expect(Self.all(unchanged.list) == records)

        let cut = list.dropping(before: 2500)
        #expect(cut.droppedSamples == 10 + 11)
        #expect(Self.all(cut.list) == Array(records[2...]))
        #expect(cut.list?.minTime == 2000)
        // Appending after a drop continues from the right previous chunk.
        let next = Self.record(6000, 6900, offset: 99)
        #expect(Self.all(cut.list.map { ClosedChunkList.appending(next, to: $0) }) == Array(records[2...]) + [next])

        guard let again = Self.build(records) else { Issue.record("no list"); return }
        let gone = again.dropping(before: 10_000)
        #expect(gone.list == nil)
        #expect(gone.droppedSamples == records.reduce(0) { $0 + $1.samples })
    }
}
