@testable import SixplaneCore
import Testing

/// The node's small tables: each at its bound under a flood, each with its eviction rule.
@Suite struct SmallTablesTests {
    static let network = NetworkID(rawValue: 0x8056_c2e2_1c00_0001)
    static func address(_ n: Int) -> Address { Address(truncating: UInt64(0x40_0000_0000 + n)) }

    @Test func configRequestersAreBoundedAndExpireAfterThreeMinutes() {
        var r = ConfigRequesters(capacity: 100)
        let refused = (0..<1000).filter { !r.record(NetworkID(rawValue: UInt64($0) + 1), Self.address($0), now: 0) }.count
        #expect(r.count == 100 && refused == 900)
        #expect(r.requestedRecently(NetworkID(rawValue: 1), Self.address(0), now: ConfigRequesters.lifetime))
        #expect(!r.requestedRecently(NetworkID(rawValue: 1), Self.address(0), now: ConfigRequesters.lifetime + 1))
        let recorded = r.record(Self.network, Self.address(5000), now: ConfigRequesters.lifetime + 1)
        #expect(recorded, "room once they expired")
        #expect(r.count == 1)
    }

    @Test func pathProbesAreBoundedAndOncePerSecond() {
        var p = PathProber(capacity: 50)
        let a = InetAddress.ipv4(IPv4Address(192, 0, 2, 1), port: 1)
        let first = p.shouldProbe(a, now: 0), again = p.shouldProbe(a, now: 999), later = p.shouldProbe(a, now: 1000)
        #expect(first && !again && later)
        let probed = (0..<10_000).filter { p.shouldProbe(.ipv4(IPv4Address(rawValue: UInt32($0) + 1), port: 9993), now: 2000) }.count
        #expect(p.count == 50 && probed == 50, "a's entry aged out, then 50 of 10,000")
    }

    @Test func delayedHellosAreBoundedOncePerPeerAndAddressAndWaitForTheIdentity() {
        var d = DelayedHellos(capacity: 8)
        let at = InetAddress.ipv4(IPv4Address(192, 0, 2, 1), port: 9993)
        let first = d.hold(Self.address(1), at: at, due: 250, expires: 5_000)
        let again = d.hold(Self.address(1), at: at, due: 300, expires: 5_000)
        let elsewhere = d.hold(Self.address(1), at: .ipv4(IPv4Address(192, 0, 2, 2), port: 9993), due: 250, expires: 5_000)
        #expect(first && !again && elsewhere, "one per peer and address")
        let held = (2..<1000).filter { d.hold(Self.address($0), at: at, due: 100, expires: 400) }.count
        #expect(d.count == 8 && held == 6)
        #expect(d.nextDue(now: 0, recheck: 50) == 100)
        let early = d.takeDue(now: 99, isKnown: { _ in true })
        #expect(early.isEmpty)
        // Due, but peer 1's identity is not known yet: kept, looked at again shortly, until it expires.
        let ready = d.takeDue(now: 260, isKnown: { $0 != Self.address(1) })
        #expect(ready.map(\.peer) == (2..<8).map(Self.address) && d.count == 2)
        #expect(d.nextDue(now: 260, recheck: 50) == 310)
        let known = d.takeDue(now: 310, isKnown: { _ in true })
        #expect(known.count == 2 && d.count == 0)
        let held9 = d.hold(Self.address(9), at: at, due: 0, expires: 100)
        let late = d.takeDue(now: 100, isKnown: { _ in false })
        #expect(held9 && late.isEmpty && d.count == 0, "given up when it expires")
    }

    @Test func parkedFramesHaveAPerSenderQuota() {
        var parked = ParkedFrames(capacity: 16, perPeer: 4)
        let frame = Message.frame(Frame(network: Self.network, etherType: 0x86dd, data: [1]))
        parked.park(frame, packetID: 1, peer: Self.address(1), now: 0)
        for id in 0..<1000 { parked.park(frame, packetID: UInt64(100 + id), peer: Self.address(2), now: 0) }
        #expect(parked.frames.filter { $0.peer == Self.address(2) }.count == 4)
        #expect(parked.frames.contains { $0.peer == Self.address(1) })
        for p in 10..<100 { parked.park(frame, packetID: 7, peer: Self.address(p), now: 0) }
        #expect(parked.count == 16)
        #expect(parked.due(now: 5_001).isEmpty && parked.isEmpty, "given up after 5 s")
    }

    @Test func aReplyIsTakenOnceAndOnlyWhileFresh() {
        var r = ReplyTracker()
        let id: UInt64 = 0x1234_5678_9abc_def0
        r.expect(id, now: 0)
        let first = r.consume(id, now: 10), again = r.consume(id, now: 20)
        #expect(first)
        #expect(!again, "the same OK again")
        r.expect(id + 1 << 32, replies: 3, now: 0)
        let chunks = (0..<10).filter { _ in r.consume(id + 1 << 32, now: 5) }.count
        #expect(chunks == 3, "one OK per chunk of a config")
        r.expect(id + 2 << 32, now: 0)
        let late = r.consume(id + 2 << 32, now: ReplyTracker.lifetime + 1), zero = r.consume(0, now: 0)
        #expect(!late, "too late")
        #expect(!zero)
    }

    @Test func identityChecksAreBoundedAndForgetUnansweredOnes() throws {
        var c = IdentityChecks(capacity: 4)
        let ids = SixplaneTestSupportIdentities.few
        for id in ids.prefix(4) { #expect(c.start(id, for: .lookup, now: 0) == .new) }
        #expect(c.start(ids[4], for: .lookup, now: 0) == .refused)
        #expect(c.start(ids[0], for: .lookup, now: 0) == .joined)
        #expect(c.finish(ids[0])?.count == 2)
        c.expire(now: IdentityChecks.timeout + 1)
        #expect(c.count == 0)
    }
}

/// Five identities from the simulation's fixed set (validation is not needed here).
enum SixplaneTestSupportIdentities {
    static let few: [Identity] = (1...5).map { n in
        try! Identity(address: Address(truncating: UInt64(0x50_0000_0000 + n)), publicKey: [UInt8](repeating: UInt8(n), count: 64))
    }
}
