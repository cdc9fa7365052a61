import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct NodeBehaviorTests {
    @Test func deniedAndUnknownNetworks() throws {
        let w = SmallNetworkTests.make(seed: 31)
        w.sim.run(for: 1_000)
        w.hook.denied.insert(w.b.node.address)
        let unknown = NetworkID(controller: w.controller.node.address, number: 0x999)
        w.b.node.join(w.network, now: w.sim.now)
        w.a.node.join(unknown, now: w.sim.now)
        #expect(w.sim.run(until: { w.b.networkStates[w.network]?.status == .accessDenied }, timeout: 20_000))
        #expect(w.sim.run(until: { w.a.networkStates[unknown]?.status == .notFound }, timeout: 20_000))
        #expect(w.b.networkStates[w.network]?.config == nil)
    }

    @Test func leaveForgetsTheNetwork() throws {
        let w = SmallNetworkTests.make(seed: 32)
        w.sim.run(for: 1_000)
        #expect(w.join(w.a))
        #expect(w.a.stored[.networkConfig(w.network)] != nil, "the config is persisted")
        w.a.node.leave(w.network)
        #expect(w.a.networkStates[w.network]?.joined == false)
        #expect(w.a.stored[.networkConfig(w.network)] == nil)
        #expect(w.a.node.networks[w.network] == nil)
    }

    @Test func restartWithSavedConfigIsUpAtOnce() throws {
        let w = SmallNetworkTests.make(seed: 33)
        w.sim.run(for: 1_000)
        #expect(w.join(w.a))
        let saved = try #require(w.a.stored[.networkConfig(w.network)])
        // A second node with a's identity, as after a restart: up before any packet.
        let again = w.sim.addNode(identity: w.a.node.identity, address: IPv4Address(10, 0, 9, 9), planet: w.root.node.topology.planet)
        again.node.join(w.network, savedConfig: saved, now: w.sim.now)
        #expect(again.networkStates[w.network]?.status == .ok)
        #expect(again.networkStates[w.network]?.config?.staticIPs == w.a.networkStates[w.network]?.config?.staticIPs)
    }

    /// A root with a newer planet hands it to members in OK(HELLO); they keep it.
    @Test func planetUpdatesFromTheRoot() throws {
        let ids = SimIdentities.all
        let sim = Simulation(seed: 34)
        let signer = ids[63]
        let old = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: signer)
        var newer = old
        newer.timestamp += 1
        newer = try newer.signed(secretKey: signer.secretKey!)
        let root = sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: newer)
        let member = sim.addNode(identity: ids[2], address: IPv4Address(10, 0, 2, 2), planet: old)
        _ = root
        #expect(sim.run(until: { member.node.topology.planet.timestamp == newer.timestamp }, timeout: 20_000))
        #expect(member.stored[.planet] == newer.serialized)
        // An update not signed by the key the planet names is ignored, even from the root itself (the root is
        // replaced by one with the same identity and address that serves a forged planet).
        var forged = newer
        forged.timestamp += 1
        forged = try forged.signed(secretKey: ids[5].secretKey!)
        sim.remove(root)
        let liar = sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: forged)
        let heardBefore = member.node.topology.peers[ids[0].address]?.lastReceive ?? 0
        sim.run(for: 300_000)
        #expect((member.node.topology.peers[ids[0].address]?.lastReceive ?? 0) > heardBefore, "the forged root answered")
        #expect(liar.node.topology.planet.timestamp == forged.timestamp)
        #expect(member.node.topology.planet.timestamp == newer.timestamp)
        #expect(member.stored[.planet] == newer.serialized)
    }

    /// Roots forward while the hop count is below 3; ordinary members never relay.
    @Test func relayingRules() throws {
        let w = SmallNetworkTests.make(seed: 35)
        w.sim.run(for: 2_000)
        var packet = PacketCodec.seal(
            id: 5, destination: w.b.node.address, source: w.a.node.address, verb: Verb.echo.rawValue, payload: [1],
            suite: .poly1305Salsa2012, keys: try PeerKeys(local: w.a.node.identity, peer: w.b.node.identity))
        let relayedBefore = w.root.node.statistics.relayed
        w.root.node.receive(datagram: packet, from: .ipv4(IPv4Address(10, 0, 2, 3), port: 9993), localSocket: 0, now: w.sim.now)
        #expect(w.root.node.statistics.relayed == relayedBefore + 1)
        packet[18] = (packet[18] & 0xf8) | 3
        w.root.node.receive(datagram: packet, from: .ipv4(IPv4Address(10, 0, 2, 3), port: 9993), localSocket: 0, now: w.sim.now)
        #expect(w.root.node.statistics.drops[.hopLimit] == 1)
        let member = w.a.node!
        member.receive(datagram: packet, from: .ipv4(IPv4Address(10, 0, 3, 4), port: 9993), localSocket: 0, now: w.sim.now)
        #expect(member.statistics.drops[.notAnUpstream] == 1)
    }
}
