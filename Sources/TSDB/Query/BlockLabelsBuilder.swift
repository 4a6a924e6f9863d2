/// Builds `Labels` for series of one block visited in label order. Neighbours share most pairs,
/// so the previous series' strings and the stable hash of the shared prefix are reused instead
/// of being rebuilt (select over many series spends most of its time here otherwise).
struct BlockLabelsBuilder {
    var prevIDs: [UInt32] = []
    var prevPairs: [Label] = []
    /// `StableHasher` state after each pair of the previous series.
    var prevStates: [UInt64] = []
    var states: [UInt64] = []

    /// Labels of the series whose flattened (name, value) symbol ids are `ids`.
    mutating func build(_ ids: [UInt32], index: BlockIndex) -> Labels {
        let n = ids.count / 2
        var pairs: [Label] = []
        pairs.reserveCapacity(n)
        states.removeAll(keepingCapacity: true)
        var hasher = StableHasher()
        var prefix = true
        for k in 0..<n {
            let name = ids[2 * k], value = ids[2 * k + 1]
            if k < prevPairs.count && prevIDs[2 * k] == name && prevIDs[2 * k + 1] == value {
                pairs.append(prevPairs[k])
                if prefix {
                    hasher.h = prevStates[k]
                    states.append(hasher.h)
                    continue
                }
            } else {
                pairs.append(Label(name: index.symbol(UInt64(name)) ?? "", value: index.symbol(UInt64(value)) ?? ""))
            }
            prefix = false
            hasher.combine(pairs[k].name)
            hasher.combine(pairs[k].value)
            states.append(hasher.h)
        }
        prevIDs.removeAll(keepingCapacity: true)
        prevIDs.append(contentsOf: ids[0..<(2 * n)])
        prevPairs = pairs
        swap(&prevStates, &states)
        return Labels(sortedUnchecked: pairs, stableHash: hasher.value)
    }
}

extension Labels {
    /// Labels from trusted, sorted pairs whose `stableHash` the caller already computed.
    init(sortedUnchecked pairs: [Label], stableHash: UInt64) {
        self.pairs = pairs
        self.stableHash = stableHash
    }
}
