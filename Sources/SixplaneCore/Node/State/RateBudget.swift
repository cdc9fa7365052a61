/// A token bucket on injected time: `perSecond` tokens a second, at most `burst` saved up. What the node spends on
/// strangers (key agreements, identity validations, credential checks) is drawn from these, so that no input rate
/// can make it spend more.
public struct RateBudget: Sendable, Equatable {
    public let perSecond: Int
    public let burst: Int
    /// In thousandths of a token: ms × tokens/s is exactly that.
    private var milliTokens: Int64
    private var last: Int64?

    public init(perSecond: Int, burst: Int? = nil) {
        self.perSecond = max(0, perSecond)
        self.burst = max(1, burst ?? perSecond)
        milliTokens = Int64(self.burst) * 1000
    }

    /// Takes one token if there is one.
    public mutating func take(now: Int64) -> Bool {
        refill(now)
        guard milliTokens >= 1000 else { return false }
        milliTokens -= 1000
        return true
    }

    /// Whole tokens available now.
    public mutating func available(now: Int64) -> Int {
        refill(now)
        return Int(milliTokens / 1000)
    }

    private mutating func refill(_ now: Int64) {
        guard let last else {
            self.last = now
            return
        }
        // A clock that steps back refills nothing (and does not overflow); a long pause refills at most to the burst.
        guard now > last else { return }
        let (difference, overflow) = now.subtractingReportingOverflow(last)
        let elapsed = overflow ? 3_600_000 : min(difference, 3_600_000)
        self.last = now
        milliTokens = min(Int64(burst) * 1000, milliTokens + elapsed * Int64(perSecond))
    }
}
