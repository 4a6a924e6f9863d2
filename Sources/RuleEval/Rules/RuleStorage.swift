import TSDB

/// What rules read from and write to: queries through `QueryStorage`, output as one committed
/// batch per rule (so a later rule of the group sees it in the same iteration).
public protocol RuleStorage: QueryStorage {
    /// Appends and commits `samples`; returns what was stored and what was rejected.
    func appendRuleOutput(_ samples: [InstantSample]) throws -> AppendReport
}

extension DB: RuleStorage {
    public func appendRuleOutput(_ samples: [InstantSample]) throws -> AppendReport {
        var app = appender()
        app.reserveCapacity(samples.count)
        for s in samples { app.append(s.labels, t: s.t, v: s.v) }
        return try app.commit()
    }
}
