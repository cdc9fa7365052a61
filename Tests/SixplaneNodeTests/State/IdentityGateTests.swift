@testable import SixplaneCore
import Testing

@Suite struct IdentityGateTests {
    static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> InetAddress { .ipv4(IPv4Address(a, b, c, d), port: 9993) }
    static func v6(_ text: String) -> InetAddress { .ipv6(try! IPv6Address(parsing: text), port: 9993) }

    @Test func oneNewIdentityPerTwoSecondsPerIPv4Slash24() {
        var gate = IdentityGate(limits: NodeLimits(), interval: 2000, seed: 7)
        #expect(gate.admit(Self.v4(192, 0, 2, 1), now: 0) == .admitted)
        #expect(gate.admit(Self.v4(192, 0, 2, 200), now: 1999) == .prefixBusy, "same /24")
        #expect(gate.admit(Self.v4(192, 0, 3, 1), now: 1999) == .admitted, "another /24")
        #expect(gate.admit(Self.v4(192, 0, 2, 9), now: 2000) == .admitted, "2 s later")
    }

    @Test func ipv6IsGatedPerSlash48() {
        var gate = IdentityGate(limits: NodeLimits(), interval: 2000, seed: 7)
        #expect(gate.admit(Self.v6("2001:db8:1::1"), now: 0) == .admitted)
        // A /48 holds 65,536 /64s: they are one prefix here.
        #expect(gate.admit(Self.v6("2001:db8:1:ffff::2"), now: 10) == .prefixBusy)
        #expect(gate.admit(Self.v6("2001:db8:2::1"), now: 10) == .admitted)
    }

    @Test func theTableNeverGrowsAndTheAgreementBudgetCapsEveryPrefixTogether() {
        var limits = NodeLimits()
        limits.identityGateSlots = 1024
        limits.newIdentityAgreementsPerSecond = 100
        var gate = IdentityGate(limits: limits, interval: 2000, seed: 99)
        var admitted = 0
        // 200,000 distinct /24s in one second: every one is new to the gate.
        for i in 0..<200_000 {
            let a = UInt32(i) << 8
            if gate.admit(.ipv4(IPv4Address(rawValue: a | 1), port: 1), now: Int64(i / 200)) == .admitted { admitted += 1 }
        }
        #expect(gate.capacity == 1024)
        #expect(admitted <= 100 + 100, "the agreement budget: \(admitted)")
    }

    @Test func theValidationBudgetIsSeparate() {
        var limits = NodeLimits()
        limits.identityValidationsPerSecond = 3
        var gate = IdentityGate(limits: limits, interval: 2000, seed: 1)
        let granted = (0..<10).filter { _ in gate.admitValidation(now: 0) }.count
        let later = gate.admitValidation(now: 334)
        #expect(granted == 3 && later)
    }

    @Test func slotsDependOnTheNodesSecret() {
        // Two nodes put the same prefixes in different slots: an attacker cannot aim collisions at one prefix.
        let a = (0..<64).map { IdentityGate.slot(of: Self.v4(10, 0, UInt8($0), 1), seed: 1, count: 16_384) }
        let b = (0..<64).map { IdentityGate.slot(of: Self.v4(10, 0, UInt8($0), 1), seed: 2, count: 16_384) }
        #expect(a != b)
        #expect(IdentityGate.slot(of: Self.v4(10, 0, 5, 1), seed: 1, count: 16_384) == IdentityGate.slot(of: Self.v4(10, 0, 5, 254), seed: 1, count: 16_384))
    }
}
