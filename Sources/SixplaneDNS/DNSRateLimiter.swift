import SixplaneCore

/// Per-source query limits: a token bucket per client address, in a table of at most `tableLimit` sources (when
/// full, the source heard from longest ago gives its place). Time is injected (milliseconds).
public struct DNSRateLimiter: Sendable {
    public let perSecond: Double
    public let burst: Double
    public let tableLimit: Int
    private var buckets: [IPAddress: (tokens: Double, at: Int64)] = [:]
    public private(set) var limited = 0

    public init(perSecond: Double = 500, burst: Double = 1000, tableLimit: Int = 4096) {
        self.perSecond = perSecond
        self.burst = burst
        self.tableLimit = tableLimit
    }

    public var sources: Int { buckets.count }

    /// Whether a query from `source` may be answered now; a refused one is counted in `limited`.
    public mutating func admit(_ source: IPAddress, now: Int64) -> Bool {
        var bucket = buckets[source] ?? (burst, now)
        if buckets[source] == nil, buckets.count >= tableLimit, let oldest = buckets.min(by: { $0.value.at < $1.value.at })?.key {
            buckets[oldest] = nil
        }
        bucket.tokens = min(burst, bucket.tokens + Double(max(0, now - bucket.at)) * perSecond / 1000)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[source] = bucket
            limited += 1
            return false
        }
        bucket.tokens -= 1
        buckets[source] = bucket
        return true
    }
}
