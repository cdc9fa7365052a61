import SixplaneCore
import SixplaneTestSupport
import Testing

/// What a member may not do, and what a flood of garbage does to a running node.
@Suite struct NodeSecurityTests {
    /// a, b, c joined and talking; returns the world after settling.
    static func settled(seed: UInt64) throws -> (SmallNetworkTests.World, SimHost) {
        let w = SmallNetworkTests.make(seed: seed)
        let c = w.sim.addNode(identity: SimIdentities.all[4], address: IPv4Address(10, 0, 4, 5), planet: w.root.node.topology.planet)
        w.sim.run(for: 1_000)
        for h in [w.a, w.b, c] { h.node.join(w.network, now: w.sim.now) }
        #expect(w.sim.run(until: { [w.a, w.b, c].allSatisfy { $0.networkStates[w.network]?.status == .ok } }, timeout: 20_000))
        // A first exchange so that credentials are pushed and paths exist.
        for (src, dst) in [(w.b, w.a), (w.a, w.b), (c, w.a)] {
            let s = SixPlane(network: w.network, node: src.node.address), d = SixPlane(network: w.network, node: dst.node.address)
            src.node.receive(frame: TestFrames.ping6(from: s.address, to: d.address, sourceMAC: MAC(node: src.node.address, network: w.network), destinationMAC: MAC(node: dst.node.address, network: w.network)), network: w.network, now: w.sim.now)
        }
        w.sim.run(for: 3_000)
        return (w, c)
    }

    static func ping(_ w: SmallNetworkTests.World, from src: SimHost, sourceAddress: IPv6Address, to dst: SimHost) {
        src.node.receive(
            frame: TestFrames.ping6(from: sourceAddress, to: SixPlane(network: w.network, node: dst.node.address).address, sourceMAC: MAC(node: src.node.address, network: w.network), destinationMAC: MAC(node: dst.node.address, network: w.network)),
            network: w.network, now: w.sim.now)
        w.sim.run(for: 2_000)
    }

    /// ZeroTier accepts any source in the /40 (its issues #990, #1123); Sixplane only the sender's own.
    @Test func membersMaySendOnlyFromTheirOwnAddresses() throws {
        let (w, c) = try Self.settled(seed: 21)
        let b6 = SixPlane(network: w.network, node: w.b.node.address)
        let c6 = SixPlane(network: w.network, node: c.node.address)
        func accepted(_ source: IPv6Address) -> Bool {
            w.a.clearDelivered()
            Self.ping(w, from: w.b, sourceAddress: source, to: w.a)
            return w.a.delivered.contains { $0.frame.etherType == 0x86dd }
        }
        // Any address in b's own /80 (a container behind b), b's RFC4193 address, b's own link-local address.
        #expect(accepted(IPv6Address(high: b6.address.high, low: (b6.address.low & 0xffff_0000_0000_0000) | 0x42)))
        #expect(accepted(RFC4193(network: w.network, node: w.b.node.address).address))
        let bMAC = MAC(node: w.b.node.address, network: w.network)
        #expect(accepted(bMAC.linkLocalAddress))
        // Another link-local address (c's, or any other) is not b's.
        let linkLocalBefore = w.a.node.statistics.drops[.spoofedLinkLocal, default: 0]
        #expect(!accepted(try IPv6Address(parsing: "fe80::1234")))
        #expect(!accepted(MAC(node: c.node.address, network: w.network).linkLocalAddress))
        #expect(w.a.node.statistics.drops[.spoofedLinkLocal, default: 0] == linkLocalBefore + 2)
        let before = w.a.node.statistics.drops[.spoofedSource, default: 0]
        // An address in c's /80, c's RFC4193 address, and an address outside the network: dropped and counted.
        #expect(!accepted(IPv6Address(high: c6.address.high, low: (c6.address.low & 0xffff_0000_0000_0000) | 0x42)))
        #expect(!accepted(RFC4193(network: w.network, node: c.node.address).address))
        #expect(!accepted(try IPv6Address(parsing: "2001:db8::1")))
        #expect(w.a.node.statistics.drops[.spoofedSource, default: 0] == before + 3)
    }

    @Test func ipv4SourcesFollowTheOwnershipCertificate() throws {
        let (w, c) = try Self.settled(seed: 22)
        func ip4(_ h: SimHost) -> IPv4Address? {
            h.networkStates[w.network]?.config?.staticIPs.compactMap { p -> IPv4Address? in if case .v4(let a) = p.address { return a }; return nil }.first
        }
        let bIP = try #require(ip4(w.b)), cIP = try #require(ip4(c)), aIP = try #require(ip4(w.a))
        func accepted(_ source: IPv4Address) -> Bool {
            w.a.clearDelivered()
            w.b.node.receive(frame: TestFrames.udp4(from: source, to: aIP, sourceMAC: MAC(node: w.b.node.address, network: w.network), destinationMAC: MAC(node: w.a.node.address, network: w.network)), network: w.network, now: w.sim.now)
            w.sim.run(for: 2_000)
            return w.a.delivered.contains { $0.frame.etherType == 0x0800 }
        }
        #expect(accepted(bIP))
        #expect(!accepted(cIP), "c's address, sent by b")
        #expect(!accepted(IPv4Address(10, 99, 200, 200)))
    }

    @Test func framesOfARevokedMemberAreRefused() throws {
        let w = SmallNetworkTests.make(seed: 23)
        w.sim.run(for: 1_000)
        #expect(w.join(w.a, w.b))
        // b is deauthorized: its certificate is revoked by the controller, its frames to a stop.
        w.hook.denied.insert(w.b.node.address)
        let revocation = try Revocation(id: 1, network: w.network, threshold: w.sim.now, target: w.b.node.address).signed(by: w.controller.node.identity)
        w.controller.node.sendRevocations([revocation], to: [w.a.node.address], now: w.sim.now)
        w.sim.run(for: 1_000)
        let before = w.a.node.statistics.drops[.notAMember, default: 0]
        w.a.clearDelivered()
        Self.ping(w, from: w.b, sourceAddress: SixPlane(network: w.network, node: w.b.node.address).address, to: w.a)
        #expect(w.a.delivered.isEmpty, "revoked member's frame refused")
        #expect(w.a.node.statistics.drops[.notAMember, default: 0] > before)
    }

    /// 100,000 mutated datagrams into a running member with peers: nothing crashes, queues stay bounded, every
    /// drop is counted by reason, and the member still works afterwards.
    @Test func stormIntoARunningNode() throws {
        let (w, c) = try Self.settled(seed: 24)
        // Real traffic to mutate: record what the fabric carries for a while.
        var seeds: [[UInt8]] = []
        w.sim.tap = { _, _, bytes in if seeds.count < 500 { seeds.append(bytes) } }
        for _ in 0..<10 {
            Self.ping(w, from: w.b, sourceAddress: SixPlane(network: w.network, node: w.b.node.address).address, to: w.a)
            Self.ping(w, from: c, sourceAddress: SixPlane(network: w.network, node: c.node.address).address, to: w.a)
        }
        w.sim.run(for: 20_000)
        w.sim.tap = nil
        #expect(seeds.count > 40)
        var rng = SeededGenerator(seed: 99)
        let node = w.a.node!
        let dropsBefore = node.statistics.totalDrops
        for i in 0..<100_000 {
            let bytes = i % 5000 == 1 ? [UInt8](repeating: 7, count: 20_000) : Mutation.mutate(seeds[i % seeds.count], &rng)
            let from = InetAddress.ipv4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: rng.next())), port: 9993)
            node.receive(datagram: bytes, from: from, localSocket: 0, now: w.sim.now)
            if i % 1000 == 0 { _ = node.tick(now: w.sim.now) }
        }
        let drops = node.statistics.totalDrops - dropsBefore
        #expect(drops > 90_000, "nearly every mutated datagram is dropped with a reason")
        #expect(node.statistics.drops[.badMAC, default: 0] > 10_000)
        #expect(node.statistics.drops[.tooShort, default: 0] > 0)
        #expect(node.statistics.drops[.oversize, default: 0] >= 20)
        for (name, size) in node.tableSizes.tables { #expect(size.count <= size.capacity, "\(name)") }
        // Still works.
        w.sim.run(for: 6_000)
        w.a.clearDelivered()
        Self.ping(w, from: w.b, sourceAddress: SixPlane(network: w.network, node: w.b.node.address).address, to: w.a)
        #expect(w.a.delivered.contains { $0.frame.etherType == 0x86dd })
    }
}
