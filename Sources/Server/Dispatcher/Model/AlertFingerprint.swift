import TSDB

/// Alertmanager's alert identity: FNV-1a (64 bit) over the sorted label names and values, each
/// followed by a 0xff separator, printed as 16 hex digits — the same fingerprint Prometheus'
/// `model.LabelSet.Fingerprint` gives, so IDs match what users see in other tools.
enum AlertFingerprint {
    static func of(_ labels: Labels) -> UInt64 {
        var h: UInt64 = 14_695_981_039_346_656_037
        @inline(__always) func add(_ s: String) {
            for b in s.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
            h = (h ^ 0xff) &* 1_099_511_628_211
        }
        for l in labels.pairs {
            add(l.name)
            add(l.value)
        }
        return h
    }

    /// The 16-hex-digit form used in the API and notifications.
    static func hex(_ fp: UInt64) -> String {
        let s = String(fp, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }
}
