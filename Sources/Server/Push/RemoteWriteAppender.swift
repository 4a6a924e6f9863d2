import TSDB

/// Visits the series of a validated remote-write request and appends their samples.
struct RemoteWriteAppender: RemoteWriteVisitor {
    let cache: RemoteWriteSeriesCache
    var app: HeadAppender
    /// Series whose labels could not be used, with the first reason.
    var invalidSeries = 0
    var firstInvalid: String?

    mutating func visit(_ series: RemoteWriteSeries) {
        let samples = series.samples
        guard !samples.isEmpty else { return }
        let h = series.labels.hash
        let check = LabelBytesHash.hash(series.labels.rawBytes, seed: RemoteWriteSeriesCache.checkSeed)
        if let s = cache.get(h, check: check) {
            // A series removed by head GC since throws: then the label path below.
            if (try? app.append(series: s, t: samples[0].t, v: samples[0].v)) != nil {
                for i in 1..<samples.count { _ = try? app.append(series: s, t: samples[i].t, v: samples[i].v) }
                return
            }
        }
        let labels: Labels
        do { labels = try series.labels.makeLabels() } catch {
            invalidSeries += 1
            if firstInvalid == nil { firstInvalid = "timeseries \(series.index): \(error)" }
            return
        }
        let r = app.seriesRef(labels, t: samples[0].t, v: samples[0].v)
        guard let s = app.series(ref: r) else { return }
        cache.set(h, check: check, s)
        for i in 1..<samples.count { _ = try? app.append(series: s, t: samples[i].t, v: samples[i].v) }
    }
}
