/// Rounds `t` down to a multiple of `r` (also for negative `t`): block and chunk windows.
@inline(__always) public func alignDown(_ t: Int64, _ r: Int64) -> Int64 {
    t >= 0 ? (t / r) * r : ((t - r + 1) / r) * r
}
