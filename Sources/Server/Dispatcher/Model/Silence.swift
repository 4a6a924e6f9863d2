import TSDB

/// A silence: alerts its matchers all accept are not notified between `startsAt` and `endsAt`.
struct Silence: Sendable, Equatable {
    /// Alertmanager's silence states.
    enum State: String, Sendable { case pending, active, expired }

    var id: String
    var matchers: [Matcher]
    var startsAt: Int64
    var endsAt: Int64
    var updatedAt: Int64
    var createdBy: String
    var comment: String

    func state(at now: Int64) -> State {
        if now < startsAt { return .pending }
        return now < endsAt ? .active : .expired
    }

    func mutes(_ labels: Labels, at now: Int64) -> Bool {
        state(at: now) == .active && AlertMatchers.matches(matchers, labels)
    }

    /// Checks what Alertmanager checks before storing a silence.
    func validate() throws(DispatcherInputError) {
        guard !matchers.isEmpty else { throw DispatcherInputError("at least one matcher required") }
        for m in matchers where m.name.isEmpty { throw DispatcherInputError("invalid label matcher: empty label name") }
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw DispatcherInputError("at least one matcher must not match the empty string")
        }
        guard startsAt > 0 else { throw DispatcherInputError("invalid zero start timestamp") }
        guard endsAt > 0 else { throw DispatcherInputError("invalid zero end timestamp") }
        guard endsAt >= startsAt else { throw DispatcherInputError("end time must not be before start time") }
        guard !createdBy.isEmpty else { throw DispatcherInputError("creator information missing") }
        guard !comment.isEmpty else { throw DispatcherInputError("comment missing") }
    }
}

/// Input the dispatcher refuses (a bad alert, silence or matcher), with Alertmanager's wording.
struct DispatcherInputError: Error, CustomStringConvertible, Sendable {
    var description: String
    init(_ message: String) { description = message }
}
