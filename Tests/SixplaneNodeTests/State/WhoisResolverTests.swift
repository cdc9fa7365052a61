@testable import SixplaneCore
import Testing

@Suite struct WhoisResolverTests {
    static func address(_ n: Int) -> Address { Address(truncating: UInt64(0x10_0000_0000 + n)) }

    @Test func junkNeverTakesTheNodesOwnRoom() {
        var limits = NodeLimits()
        limits.inboundLookups = 16
        limits.ownLookups = 8
        limits.inboundLookupsPerSecond = 1000
        var w = WhoisResolver(limits: limits)
        // A flood of packets from made-up senders fills the inbound room, and no more.
        var refused = 0
        for i in 0..<1000 where w.lookUp(Self.address(i), own: false, now: 0) == .refused { refused += 1 }
        #expect(w.inboundCount == 16 && refused == 1000 - 16)
        // The node's own lookups (its controller, a peer it sends to) still start.
        for i in 0..<8 { #expect(w.lookUp(Self.address(5000 + i), own: true, now: 0) == .started) }
        #expect(w.lookUp(Self.address(6000), own: true, now: 0) == .refused, "own room is bounded too")
        #expect(w.lookups.count == 24)
    }

    @Test func inboundLookupsAreRateLimited() {
        var limits = NodeLimits()
        limits.inboundLookupsPerSecond = 10
        var w = WhoisResolver(limits: limits)
        let started = (0..<100).filter { w.lookUp(Self.address($0), own: false, now: 0) == .started }.count
        #expect(started == 10)
    }

    @Test func anInboundLookupTheNodeNeedsBecomesItsOwn() {
        var w = WhoisResolver(limits: NodeLimits())
        #expect(w.lookUp(Self.address(1), own: false, now: 0) == .started)
        #expect(w.lookUp(Self.address(1), own: true, now: 100) == .wait)
        #expect(w.ownCount == 1 && w.inboundCount == 0)
        #expect(w.lookUp(Self.address(1), own: true, now: 600) == .retry)
    }

    @Test func oneSenderCannotPushOutAnothersPackets() {
        var limits = NodeLimits()
        limits.waitingPackets = 8
        limits.waitingPacketsPerSender = 3
        var w = WhoisResolver(limits: limits)
        func packet(_ sender: Int, _ n: Int) -> WhoisResolver.WaitingPacket {
            .init(packet: [UInt8(n)], address: .none, localSocket: 0, queued: 0, sender: Self.address(sender))
        }
        _ = w.hold(packet(1, 0))
        for n in 0..<100 { _ = w.hold(packet(2, n)) }
        #expect(w.waitingPackets.filter { $0.sender == Self.address(2) }.count == 3)
        #expect(w.waitingPackets.contains { $0.sender == Self.address(1) }, "the first sender's packet is still held")
        // Many senders at once: the table stays at its bound, and the biggest holder gives way.
        for s in 10..<40 { _ = w.hold(packet(s, 0)) }
        #expect(w.waitingPackets.count == 8)
    }

    @Test func lookupsGiveUpAfterFiveSecondsWithWhatWaited() {
        var w = WhoisResolver(limits: NodeLimits())
        _ = w.lookUp(Self.address(1), own: false, now: 0)
        _ = w.hold(.init(packet: [1], address: .none, localSocket: 0, queued: 0, sender: Self.address(1)))
        _ = w.hold(.init(destination: Self.address(1), verb: 1, payload: [], expectReply: false, queued: 0))
        #expect(w.expire(now: 600).due == [Self.address(1)])
        let (_, abandoned) = w.expire(now: 5_001)
        #expect(abandoned == 1 && w.lookups.isEmpty && w.waitingSends.isEmpty && w.inboundCount == 0)
    }
}
