@testable import SixplaneCore
import Testing

@Suite struct SelfAwarenessTests {
    static func peer(_ n: Int) -> Address { Address(truncating: UInt64(0x30_0000_0000 + n)) }
    static let root = InetAddress.ipv4(IPv4Address(203, 0, 113, 1), port: 9993)
    static let public1 = InetAddress.ipv4(IPv4Address(198, 51, 100, 7), port: 41_000)

    @Test func aReportMustBeOfTheReportersScope() {
        var s = SelfAwareness(capacity: 8)
        // A peer on the internet cannot tell us our LAN address, nor a loopback one.
        #expect(s.iam(reporter: Self.peer(1), reporterAddress: Self.root, observed: .ipv4(IPv4Address(10, 0, 0, 5), port: 1), trusted: true, now: 0) == .wrongScope)
        #expect(s.iam(reporter: Self.peer(1), reporterAddress: Self.root, observed: .ipv4(IPv4Address(127, 0, 0, 1), port: 1), trusted: true, now: 0) == .wrongScope)
        #expect(s.iam(reporter: Self.peer(1), reporterAddress: Self.root, observed: Self.public1, trusted: true, now: 0) == .recorded)
        #expect(s.addresses(now: 1) == [Self.public1])
    }

    @Test func oneUntrustedPeerCannotMakeUsAdvertiseAnAddress() {
        var s = SelfAwareness(capacity: 8)
        let victim = InetAddress.ipv4(IPv4Address(198, 51, 100, 99), port: 53)
        s.iam(reporter: Self.peer(1), reporterAddress: .ipv4(IPv4Address(192, 0, 2, 1), port: 9993), observed: victim, trusted: false, now: 0)
        #expect(s.addresses(now: 1).isEmpty)
        s.iam(reporter: Self.peer(2), reporterAddress: .ipv4(IPv4Address(192, 0, 2, 2), port: 9993), observed: victim, trusted: false, now: 0)
        #expect(s.addresses(now: 1) == [victim], "two peers agree")
    }

    @Test func reportersAreBoundedAndExpire() {
        var s = SelfAwareness(capacity: 16)
        for n in 0..<10_000 {
            s.iam(reporter: Self.peer(n), reporterAddress: Self.root, observed: .ipv4(IPv4Address(rawValue: 0xc633_6400 + UInt32(n % 200)), port: 1), trusted: false, now: Int64(n))
        }
        #expect(s.count == 16)
        s.expire(now: 10_000 + Timers.pathExpiration)
        #expect(s.count == 0)
    }
}
