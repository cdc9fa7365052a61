import SixplaneCore
import SixplaneTestSupport
import Testing

/// Every table the network can write to, filled from hostile input through the node's front door (sealed packets
/// from an authenticated peer, or datagrams from strangers), and found at its bound; the node still does its own
/// work afterwards.
@Suite struct HostileTablesTests {
    /// The world with a and b members; b is the attacker, authenticated to everyone.
    static func world(seed: UInt64) throws -> SmallNetworkTests.World {
        let w = SmallNetworkTests.make(seed: seed)
        w.sim.run(for: 1_000)
        #expect(w.join(w.a, w.b))
        return w
    }

    /// A message from `attacker` to `victim`, sealed as `attacker` would, straight into the victim's receive path.
    static func send(_ message: Message, from attacker: SimHost, to victim: SimHost, now: Int64, id: UInt64) throws {
        let keys = try PeerKeys(local: attacker.node.identity, peer: victim.node.identity)
        let packet = PacketCodec.seal(
            id: id, destination: victim.node.address, source: attacker.node.address, verb: message.verb,
            payload: message.payload, suite: .aesGMACSIV, keys: keys, compress: true)
        for d in Fragmentation.split(packet) { victim.node.receive(datagram: d, from: attacker.address, localSocket: 0, now: now) }
    }

    static func size(_ node: Node, _ table: String) -> Node.TableSizes.Size { node.tableSizes[table]! }

    @Test func likesForAnyNetworkFillARootsDirectoryOnlyToItsBound() throws {
        let w = try Self.world(seed: 41)
        let root = w.root.node!
        var id: UInt64 = 1
        // 20,000 LIKEs for made-up networks and groups: a root takes LIKEs for any network.
        for batch in 0..<50 {
            let entries = (0..<400).map { i in
                MulticastLike.Entry(network: NetworkID(rawValue: 0x1000 + UInt64(batch)), group: .arp(IPv4Address(rawValue: UInt32(batch * 400 + i))))
            }
            try Self.send(.multicastLike(MulticastLike(entries: entries)), from: w.b, to: w.root, now: w.sim.now, id: id)
            id += 1
        }
        let limits = NodeLimits()
        #expect(Self.size(root, "multicastDirectory").count <= limits.multicastGroupsPerMember + 64, "one member's LIKEs stop at its quota")
        #expect(root.statistics.drops[.tableFull, default: 0] >= 20_000 - limits.multicastGroupsPerMember - 64)
        // a's own LIKEs are still taken, and a gather finds a.
        w.sim.run(for: 65_000)
        #expect(Self.size(root, "multicastDirectory").count > 0)
    }

    @Test func configRequestsForMadeUpNetworksStayBounded() throws {
        var limits = NodeLimits()
        limits.configRequesters = 500
        let ids = SimIdentities.all
        let sim = Simulation(seed: 42)
        let planet = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: ids[63])
        _ = sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: planet)
        let controller = sim.addNode(identity: ids[1], address: IPv4Address(10, 0, 1, 2), planet: planet, limits: limits)
        let attacker = sim.addNode(identity: ids[2], address: IPv4Address(10, 0, 2, 3), planet: planet)
        let hook = SimController()
        controller.node.controller = hook
        sim.run(for: 2_000)
        // Make the controller know the attacker (a HELLO), then ask for 5,000 networks it does not have.
        attacker.node.join(NetworkID(controller: ids[1].address, number: 1), now: sim.now)
        sim.run(for: 2_000)
        for n in 0..<5_000 {
            let request = NetworkConfigRequest(network: NetworkID(controller: ids[1].address, number: UInt32(n + 2)), metadata: ConfigDictionary())
            try Self.send(.networkConfigRequest(request), from: attacker, to: controller, now: sim.now, id: UInt64(n + 1))
        }
        #expect(Self.size(controller.node, "configRequesters").count <= 500)
        #expect(controller.node.statistics.drops[.tableFull, default: 0] >= 4_000)
    }

    @Test func packetsFromMadeUpSendersNeverCrowdOutTheNodesOwnLookups() throws {
        let w = try Self.world(seed: 43)
        let a = w.a.node!
        // 50,000 packets from 50,000 made-up senders: each wants a WHOIS.
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<50_000 {
            var p = [UInt8](repeating: 0, count: 60)
            for i in 0..<60 { p[i] = UInt8.random(in: 0...255, using: &rng) }
            a.address.rawValue.bigEndianBytes5.enumerated().forEach { p[8 + $0.offset] = $0.element }
            p[18] = 0x08
            a.receive(datagram: p, from: .ipv4(IPv4Address(rawValue: UInt32.random(in: 1...UInt32.max, using: &rng)), port: 9993), localSocket: 0, now: w.sim.now)
        }
        let limits = NodeLimits()
        #expect(Self.size(a, "whoisInbound").count <= limits.inboundLookups)
        #expect(Self.size(a, "waitingPackets").count <= limits.waitingPackets)
        #expect(a.statistics.drops[.lookupRefused, default: 0] > 40_000)
        // a's own need, a member it has never seen: the lookup starts and the frame goes once the root answers.
        let before = a.statistics.packetsOut[Int(Verb.whois.rawValue)]
        let c = w.sim.addNode(identity: SimIdentities.all[5], address: IPv4Address(10, 0, 5, 6), planet: w.root.node.topology.planet)
        w.sim.run(for: 2_000)
        c.node.join(w.network, now: w.sim.now)
        #expect(w.sim.run(until: { c.networkStates[w.network]?.status == .ok }, timeout: 20_000))
        let aPlane = SixPlane(network: w.network, node: a.address), cPlane = SixPlane(network: w.network, node: c.node.address)
        a.receive(frame: TestFrames.ping6(from: aPlane.address, to: cPlane.address, sourceMAC: MAC(node: a.address, network: w.network), destinationMAC: MAC(node: c.node.address, network: w.network)), network: w.network, now: w.sim.now)
        #expect(a.statistics.packetsOut[Int(Verb.whois.rawValue)] > before, "the node's own WHOIS went out")
        w.sim.run(for: 3_000)
        #expect(c.delivered.contains { $0.frame.etherType == 0x86dd }, "and the frame reached c")
    }

    @Test func credentialsFloodsCostAtMostTheBudget() throws {
        let w = try Self.world(seed: 44)
        let a = w.a.node!
        // b and a have talked: a knows b and holds its real certificate.
        NodeSecurityTests.ping(w, from: w.b, sourceAddress: SixPlane(network: w.network, node: w.b.node.address).address, to: w.a)
        // 2,000 certificates "from the controller" signed by b: each would cost a signature check.
        for n in 0..<2_000 {
            let com = try CertificateOfMembership(timestamp: w.sim.now + Int64(n) + 1, maxDelta: 1000, network: w.network, issuedTo: w.b.node.identity).signed(by: w.b.node.identity)
            try Self.send(.networkCredentials(NetworkCredentials(coms: [com])), from: w.b, to: w.a, now: w.sim.now, id: UInt64(n + 1))
        }
        let checks = a.statistics.drops[.badCredential, default: 0]
        #expect(checks <= NodeLimits().credentialChecksPerSecond + 1, "signature checks within the budget: \(checks)")
        #expect(a.statistics.drops[.credentialBudgetSpent, default: 0] >= 2_000 - checks)
        // b's real certificate, already held, costs nothing, and b's frames still pass.
        w.a.clearDelivered()
        NodeSecurityTests.ping(w, from: w.b, sourceAddress: SixPlane(network: w.network, node: w.b.node.address).address, to: w.a)
        #expect(w.a.delivered.contains { $0.frame.etherType == 0x86dd })
    }

    @Test func forgedFragmentsFromOneSourceDoNotEvictAnothersPackets() throws {
        let w = try Self.world(seed: 45)
        let a = w.a.node!
        let attacker = InetAddress.ipv4(IPv4Address(192, 0, 2, 66), port: 9993)
        var fragment = [UInt8](repeating: 0xab, count: 1000)
        a.address.rawValue.bigEndianBytes5.enumerated().forEach { fragment[8 + $0.offset] = $0.element }
        fragment[13] = 0xff
        fragment[14] = 0x21
        for i in 0..<20_000 {
            fragment[0] = UInt8(truncatingIfNeeded: i)
            fragment[1] = UInt8(truncatingIfNeeded: i >> 8)
            a.receive(datagram: fragment, from: attacker, localSocket: 0, now: w.sim.now)
        }
        #expect(Self.size(a, "reassembly").count <= NodeLimits().reassemblySlotsPerSource)
        // b's full-size frames (two datagrams each) still arrive whole.
        w.a.clearDelivered()
        NodeSecurityTests.ping(w, from: w.b, sourceAddress: SixPlane(network: w.network, node: w.b.node.address).address, to: w.a)
        let big = TestFrames.ping6(
            from: SixPlane(network: w.network, node: w.b.node.address).address, to: SixPlane(network: w.network, node: a.address).address,
            sourceMAC: MAC(node: w.b.node.address, network: w.network), destinationMAC: MAC(node: a.address, network: w.network), padding: 2600)
        w.b.node.receive(frame: big, network: w.network, now: w.sim.now)
        w.sim.run(for: 2_000)
        #expect(w.a.delivered.contains { $0.frame.payload == big.payload })
    }

    @Test func anOKIsTakenOnce() throws {
        let w = try Self.world(seed: 46)
        let a = w.a.node!
        // a's ECHO to b, answered twice (a replay): the second is dropped.
        var answer: [UInt8]?
        w.sim.tap = { _, to, bytes in if to == w.a.address, answer == nil, bytes.count > 28 { answer = bytes } }
        NodeSecurityTests.ping(w, from: w.a, sourceAddress: SixPlane(network: w.network, node: a.address).address, to: w.b)
        w.sim.run(for: 20_000)
        w.sim.tap = nil
        let captured = try #require(answer)
        let before = a.statistics.drops[.unexpectedReply, default: 0]
        for _ in 0..<100 { a.receive(datagram: captured, from: w.b.address, localSocket: 0, now: w.sim.now) }
        #expect(a.statistics.drops[.unexpectedReply, default: 0] + a.statistics.drops[.badMAC, default: 0] >= before + 99)
    }

    @Test func strangersFillThePeerTableOnlyToItsBound() throws {
        var limits = NodeLimits()
        limits.peers = 8
        let ids = SimIdentities.all
        let sim = Simulation(seed: 47)
        let planet = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: ids[63])
        let root = sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: planet, limits: limits)
        for i in 1..<30 { sim.addNode(identity: ids[i], address: IPv4Address(10, 1, UInt8(i), 1), planet: planet) }
        sim.run(for: 30_000)
        #expect(root.node.topology.peers.count <= 8)
        #expect(root.node.statistics.drops[.tableFull, default: 0] == 0, "idle strangers make room for new ones")
    }
}

/// Peers forgotten after a quiet spell come back from the host's cache without a WHOIS; a root alone in its
/// planet is online.
@Suite struct PeerCacheReuseTests {
    @Test func aForgottenPeerIsLoadedFromTheCacheNotLookedUp() throws {
        let (w, _) = try NodeSecurityTests.settled(seed: 48)
        let a = w.a.node!
        #expect(w.root.node.isOnline, "the root says online (1.14.1 does)")
        // b goes away for twenty minutes: a forgets it, leaving its identity with the host.
        let bIdentity = w.b.node.identity, bAddress = w.b.address
        w.sim.remove(w.b)
        w.sim.run(for: 1_200_000)
        #expect(a.topology.peers[bIdentity.address] == nil)
        #expect(w.a.stored[.peer(bIdentity.address)] != nil)
        // b comes back (same identity and address) and rejoins; a's frame to it needs no WHOIS.
        guard case .ipv4(let ip, _) = bAddress else { return }
        let b = w.sim.addNode(identity: bIdentity, address: ip, planet: w.root.node.topology.planet)
        w.sim.run(for: 2_000)
        b.node.join(w.network, now: w.sim.now)
        #expect(w.sim.run(until: { b.networkStates[w.network]?.status == .ok }, timeout: 20_000))
        let whoisBefore = a.statistics.packetsOut[Int(Verb.whois.rawValue)]
        let aPlane = SixPlane(network: w.network, node: a.address), bPlane = SixPlane(network: w.network, node: bIdentity.address)
        a.receive(frame: TestFrames.ping6(from: aPlane.address, to: bPlane.address, sourceMAC: MAC(node: a.address, network: w.network), destinationMAC: MAC(node: bIdentity.address, network: w.network)), network: w.network, now: w.sim.now)
        #expect(a.topology.peers[bIdentity.address] != nil, "known at once, from the cache")
        w.sim.run(for: 3_000)
        #expect(a.statistics.packetsOut[Int(Verb.whois.rawValue)] == whoisBefore, "no WHOIS for b")
        #expect(b.delivered.contains { $0.frame.etherType == 0x86dd })
    }
}

extension UInt64 {
    /// The low 40 bits as 5 big-endian bytes (a node address on the wire).
    var bigEndianBytes5: [UInt8] { (0..<5).map { UInt8(truncatingIfNeeded: self >> UInt64(32 - 8 * $0)) } }
}
