import TSDB

/// What the engine reads through: anything that can hand out a `Querier` over `[mint, maxt]`
/// (inclusive, ms). Implementations must be thread-safe; each querier is a consistent snapshot.
public protocol QueryStorage: Sendable {
    func querier(mint: Int64, maxt: Int64) -> Querier
}

extension DB: QueryStorage {}
