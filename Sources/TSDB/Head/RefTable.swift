/// Series by ref within one stripe: refs of a stripe are `stripe + k * stripeCount`, so
/// `ref / stripeCount` indexes a plain array (no hashing, one memory access).
/// Not thread-safe (callers hold the stripe lock).
struct RefTable {
    private var slots: [MemSeries?] = []
    private(set) var count = 0

    @inline(__always) func get(_ slot: Int) -> MemSeries? {
        slot < slots.count ? slots[slot] : nil
    }

    mutating func set(_ slot: Int, _ s: MemSeries?) {
        if slot >= slots.count {
            guard s != nil else { return }
            slots.append(contentsOf: repeatElement(nil, count: Swift.max(slot + 1 - slots.count, slots.count / 2)))
        }
        if slots[slot] == nil, s != nil { count += 1 } else if slots[slot] != nil, s == nil { count -= 1 }
        slots[slot] = s
    }

    var all: [MemSeries] { slots.compactMap { $0 } }
}
