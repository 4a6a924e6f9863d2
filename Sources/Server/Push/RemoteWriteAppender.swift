import TSDB

/// Visits the series of a validated remote-write request and appends their samples.
struct RemoteWriteAppender: RemoteWriteVisitor {
    let head: Head
    let cache: RemoteWriteSeriesCache
    var app: HeadAppender
    /// Series whose labels could not be used, with the first reason.
    var invalidSeries = 0
    var firstInvalid: String?

    mutating func visit(_ series: RemoteWriteSeries) {
        let h = series.labels.hash
        var ref: UInt32?
        if let r = cache.get(h), let s = head.series(ref: r), series.labels.matches(s.labels) { ref = r }
        if ref == nil {
            let labels: Labels
            do { labels = try series.labels.makeLabels() } catch {
                invalidSeries += 1
                if firstInvalid == nil { firstInvalid = "timeseries \(series.index): \(error)" }
                return
            }
            var first = true
            for s in series.samples {
                if first {
                    let r = app.seriesRef(labels, t: s.t, v: s.v)
                    cache.set(h, r)
                    ref = r
                    first = false
                } else if let r = ref {
                    _ = try? app.append(ref: r, t: s.t, v: s.v)
                }
            }
            return
        }
        guard let r = ref else { return }
        for s in series.samples { _ = try? app.append(ref: r, t: s.t, v: s.v) }
    }
}
