@testable import SixplaneCore
import Testing

@Suite struct RateBudgetTests {
    @Test func spendsTheBurstThenRefillsAtTheRate() {
        var b = RateBudget(perSecond: 10, burst: 5)
        let granted = (0..<8).filter { _ in b.take(now: 1000) }.count
        #expect(granted == 5, "the burst, then nothing at the same instant")
        let at1050 = b.take(now: 1050), at1100 = b.take(now: 1100)
        #expect(!at1050, "half a token after 50 ms")
        #expect(at1100, "one token after 100 ms")
        let refilled = b.available(now: 100_000)
        #expect(refilled == 5, "a long pause refills to the burst, no more")
    }

    @Test func aClockThatStepsBackRefillsNothing() {
        var b = RateBudget(perSecond: 1000, burst: 1)
        let first = b.take(now: 10_000), back = b.take(now: 0), farBack = b.take(now: Int64.min)
        let farAhead = b.take(now: Int64.max)
        #expect(first && !back && !farBack)
        #expect(farAhead, "no overflow at the far end either")
    }

    @Test func whateverTheRateOfAsksTheSpendIsBounded() {
        var b = RateBudget(perSecond: 32)
        var granted = 0
        for ms in 0..<10_000 { for _ in 0..<50 where b.take(now: Int64(ms)) { granted += 1 } }
        #expect(granted <= 32 + 32 * 10, "\(granted) in 10 s at 32/s")
        #expect(granted >= 32 * 10)
    }
}
