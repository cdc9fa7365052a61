import SixplaneCore
import SixplaneLab
import SixplaneTestSupport
import Testing

/// No member can make traffic for an address it does not own come to it: forged ARP and neighbor advertisements
/// are dropped and counted at the receiver, whatever the forger's software did.
@Suite struct OwnershipRulesTests {
    static func ipv4(_ h: SimHost, _ network: NetworkID) -> IPv4Address? {
        h.networkStates[network]?.config?.staticIPs.compactMap { p -> IPv4Address? in
            if case .v4(let a) = p.address { return a }
            return nil
        }.first
    }

    /// c forges frames claiming b's addresses and sends them to a; a must not deliver any.
    static func delivered(_ w: SmallNetworkTests.World, from c: SimHost, _ frame: EthernetFrame) -> Bool {
        w.a.clearDelivered()
        c.node.receive(frame: frame, network: w.network, now: w.sim.now)
        w.sim.run(for: 2_000)
        return w.a.delivered.contains { $0.frame.etherType == frame.etherType }
    }

    @Test func arpClaimingAnotherMembersAddressIsDropped() throws {
        let (w, c) = try NodeSecurityTests.settled(seed: 31)
        let n = w.network
        let aIP = try #require(Self.ipv4(w.a, n)), bIP = try #require(Self.ipv4(w.b, n)), cIP = try #require(Self.ipv4(c, n))
        let aMAC = MAC(node: w.a.node.address, network: n), bMAC = MAC(node: w.b.node.address, network: n)
        let cMAC = MAC(node: c.node.address, network: n)
        // c's own address, announced honestly: delivered.
        #expect(Self.delivered(w, from: c, ForgedFrames.arpReply(sender: cIP, senderMAC: cMAC, target: aIP, targetMAC: aMAC, destination: aMAC)))
        let before = w.a.node.statistics.drops[.spoofedARP, default: 0]
        // "b's address is at c's MAC", unicast and as a gratuitous broadcast: dropped.
        #expect(!Self.delivered(w, from: c, ForgedFrames.arpReply(sender: bIP, senderMAC: cMAC, target: aIP, targetMAC: aMAC, destination: aMAC)))
        // c's address, but someone else's MAC in the ARP body.
        #expect(!Self.delivered(w, from: c, ForgedFrames.arpReply(sender: cIP, senderMAC: bMAC, target: aIP, targetMAC: aMAC, destination: aMAC, from: cMAC)))
        #expect(w.a.node.statistics.drops[.spoofedARP, default: 0] == before + 2)
        // A gratuitous broadcast goes as a multicast (after a gather): dropped all the same.
        let multicastsBefore = w.a.node.statistics.packetsIn[Int(Verb.multicastFrame.rawValue)]
        for _ in 0..<3 { #expect(!Self.delivered(w, from: c, ForgedFrames.arpReply(sender: bIP, senderMAC: cMAC, target: bIP, targetMAC: .broadcast))) }
        #expect(w.a.node.statistics.packetsIn[Int(Verb.multicastFrame.rawValue)] > multicastsBefore, "the broadcast reached a")
        #expect(w.a.node.statistics.drops[.spoofedARP, default: 0] > before + 2)
        // b's traffic still reaches b (its own ARP is fine).
        #expect(Self.delivered(w, from: w.b, ForgedFrames.arpReply(sender: bIP, senderMAC: bMAC, target: aIP, targetMAC: aMAC, destination: aMAC)))
    }

    @Test func neighborAdvertisementsClaimingAnotherMembersAddressAreDropped() throws {
        let (w, c) = try NodeSecurityTests.settled(seed: 32)
        let n = w.network
        let aMAC = MAC(node: w.a.node.address, network: n), bMAC = MAC(node: w.b.node.address, network: n)
        let cMAC = MAC(node: c.node.address, network: n)
        let c6 = SixPlane(network: n, node: c.node.address).address
        let bRFC = RFC4193(network: n, node: w.b.node.address).address
        let b6 = SixPlane(network: n, node: w.b.node.address).address
        let cRFC = RFC4193(network: n, node: c.node.address).address
        func na(_ target: IPv6Address, at mac: MAC, hopByHop: Bool = false) -> EthernetFrame {
            ForgedFrames.neighborAdvertisement(
                target: target, advertisedMAC: mac, source: c6, sourceMAC: cMAC, destinationMAC: aMAC, hopByHop: hopByHop)
        }
        #expect(Self.delivered(w, from: c, na(cRFC, at: cMAC)), "c's own address")
        let before = w.a.node.statistics.drops[.spoofedNeighbor, default: 0]
        #expect(!Self.delivered(w, from: c, na(bRFC, at: cMAC)), "b's RFC4193 address")
        #expect(!Self.delivered(w, from: c, na(b6, at: cMAC)), "b's 6PLANE address")
        #expect(!Self.delivered(w, from: c, na(bRFC, at: cMAC, hopByHop: true)), "behind a hop-by-hop header")
        #expect(!Self.delivered(w, from: c, na(cRFC, at: bMAC)), "c's address at b's MAC")
        #expect(!Self.delivered(w, from: c, na(bMAC.linkLocalAddress, at: cMAC)), "b's link-local address")
        #expect(w.a.node.statistics.drops[.spoofedNeighbor, default: 0] == before + 5)
    }

    /// On a network that assigns IPv4, a member's first IPv4 frame may come before its certificate of ownership: it
    /// waits for it (asked for at once) instead of being dropped; a member whose certificate does not list the
    /// address is refused.
    @Test func ipv4FromAMemberWithoutItsCertificateWaitsForIt() throws {
        let w = SmallNetworkTests.make(seed: 33)
        w.sim.run(for: 1_000)
        #expect(w.join(w.a, w.b))
        let n = w.network
        let aIP = try #require(Self.ipv4(w.a, n)), bIP = try #require(Self.ipv4(w.b, n))
        let aMAC = MAC(node: w.a.node.address, network: n), bMAC = MAC(node: w.b.node.address, network: n)
        // b's first frame to a is IPv4: b pushes its credentials with it, and a delivers once they are in.
        w.a.clearDelivered()
        w.b.node.receive(frame: TestFrames.udp4(from: bIP, to: aIP, sourceMAC: bMAC, destinationMAC: aMAC), network: n, now: w.sim.now)
        w.sim.run(for: 3_000)
        #expect(w.a.delivered.contains { $0.frame.etherType == 0x0800 }, "delivered, late or not")
        // Now a holds b's certificate, which does not list 10.99.200.200.
        w.a.clearDelivered()
        let before = w.a.node.statistics.drops[.spoofedSource, default: 0]
        w.b.node.receive(frame: TestFrames.udp4(from: IPv4Address(10, 99, 200, 200), to: aIP, sourceMAC: bMAC, destinationMAC: aMAC), network: n, now: w.sim.now)
        w.sim.run(for: 3_000)
        #expect(w.a.delivered.isEmpty)
        #expect(w.a.node.statistics.drops[.spoofedSource, default: 0] == before + 1)
    }
}
