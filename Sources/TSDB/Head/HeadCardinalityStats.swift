/// Cardinality figures of the head's label index, as Prometheus' `/api/v1/status/tsdb` reports
/// them. Each list holds the top entries, largest count first (ties by name).
public struct HeadCardinalityStats: Sendable {
    /// One named count.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let count: Int
        public init(name: String, count: Int) { self.name = name; self.count = count }
    }

    /// Series in the head.
    public var numSeries: Int
    /// Distinct `name=value` pairs in the head.
    public var numLabelPairs: Int
    /// Series per metric name (`__name__` value).
    public var seriesCountByMetricName: [Entry]
    /// Distinct values per label name.
    public var labelValueCountByLabelName: [Entry]
    /// Bytes of label values per label name, each value counted once per series carrying it.
    public var memoryInBytesByLabelName: [Entry]
    /// Series per `name=value` pair.
    public var seriesCountByLabelValuePair: [Entry]
}

extension Head {
    /// Cardinality of the head's index, each list cut to its `limit` largest entries. Walks every
    /// posting list of a snapshot (O(label pairs)): for the status page, not for hot paths.
    public func cardinalityStats(limit: Int) -> HeadCardinalityStats {
        let table = postings.snapshot()
        var byMetric: [HeadCardinalityStats.Entry] = []
        var valueCounts: [HeadCardinalityStats.Entry] = []
        var memory: [HeadCardinalityStats.Entry] = []
        var pairs: [HeadCardinalityStats.Entry] = []
        var numPairs = 0
        for (name, values) in table where !name.isEmpty {
            var bytes = 0
            for (value, refs) in values {
                if name == "__name__" { byMetric.append(.init(name: value, count: refs.count)) }
                pairs.append(.init(name: name + "=" + value, count: refs.count))
                bytes += value.utf8.count * refs.count
            }
            numPairs += values.count
            memory.append(.init(name: name, count: bytes))
            valueCounts.append(.init(name: name, count: values.count))
        }
        func top(_ list: [HeadCardinalityStats.Entry]) -> [HeadCardinalityStats.Entry] {
            Array(list.sorted { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }.prefix(max(0, limit)))
        }
        return HeadCardinalityStats(numSeries: numSeries, numLabelPairs: numPairs, seriesCountByMetricName: top(byMetric),
                                    labelValueCountByLabelName: top(valueCounts), memoryInBytesByLabelName: top(memory),
                                    seriesCountByLabelValuePair: top(pairs))
    }
}
