import Foundation
import Testing
@testable import TSDB

/// The head series lock: mutual exclusion under contention, including waiters that must yield.
@Suite struct SpinMutexTests {
    final class Box: Sendable {
        let lock = SpinMutex<(count: Int, inside: Int, overlaps: Int)>((0, 0, 0))
    }

    @Test("Contending threads never overlap inside the lock and lose no update")
    func mutualExclusion() async {
        let box = Box()
        let threads = 8, rounds = 20_000
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<threads {
                group.addTask {
                    for r in 0..<rounds {
                        box.lock.withLock { s in
                            s.inside += 1
                            if s.inside != 1 { s.overlaps += 1 }
                            s.count += 1
                            // Now and then hold it longer, so waiters reach the yielding path.
                            if r % 5_000 == 0 { usleep(200) }
                            s.inside -= 1
                        }
                    }
                }
            }
        }
        let s = box.lock.withLock { $0 }
        #expect(s.count == threads * rounds)
        #expect(s.overlaps == 0)
    }

    @Test("A throwing body releases the lock")
    func throwingBodyReleases() {
        struct Boom: Error {}
        let box = Box()
        #expect(throws: Boom.self) { try box.lock.withLock { (_) throws(Boom) in throw Boom() } }
        #expect(box.lock.withLock { $0.count } == 0)
    }
}
