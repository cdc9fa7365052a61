import SixplaneCore
import SixplaneTestSupport
import Testing

/// A root, a controller and two members in the simulation: the join, direct paths, frames, NDP, ARP.
@Suite struct SmallNetworkTests {
    struct World {
        let sim: Simulation
        let root, controller, a, b: SimHost
        let network: NetworkID
        let settings: SimController.NetworkSettings
        let hook: SimController

        /// Joins `hosts` to the network and runs until each has its config (false after 20 s).
        func join(_ hosts: SimHost...) -> Bool {
            for h in hosts { h.node.join(network, now: sim.now) }
            return sim.run(until: { hosts.allSatisfy { $0.networkStates[network]?.status == .ok } }, timeout: 20_000)
        }
    }

    static func make(seed: UInt64 = 1, conditions: Simulation.Conditions = .init()) -> World {
        let ids = SimIdentities.all
        let sim = Simulation(seed: seed, conditions: conditions)
        let planet = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: ids[63])
        let root = sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: planet)
        let controller = sim.addNode(identity: ids[1], address: IPv4Address(10, 0, 1, 2), planet: planet)
        let a = sim.addNode(identity: ids[2], address: IPv4Address(10, 0, 2, 3), planet: planet)
        let b = sim.addNode(identity: ids[3], address: IPv4Address(10, 0, 3, 4), planet: planet)
        let hook = SimController()
        let network = NetworkID(controller: ids[1].address, number: 0x123)
        hook.networks[network] = SimController.NetworkSettings()
        controller.node.controller = hook
        return World(sim: sim, root: root, controller: controller, a: a, b: b, network: network, settings: hook.networks[network]!, hook: hook)
    }

    @Test func joinGetConfigAndTalkDirectly() throws {
        let w = Self.make()
        w.sim.run(for: 2_000)
        #expect(w.a.node.isOnline && w.b.node.isOnline, "members reach the root")
        w.a.node.join(w.network, now: w.sim.now)
        w.b.node.join(w.network, now: w.sim.now)
        let configured = w.sim.run(until: { w.a.networkStates[w.network]?.status == .ok && w.b.networkStates[w.network]?.status == .ok }, timeout: 20_000)
        #expect(configured)
        let config = try #require(w.a.networkStates[w.network]?.config)
        #expect(config.staticIPs.contains(SixPlane(network: w.network, node: w.a.node.address).assignedAddress))
        #expect(config.com?.verify(controller: w.controller.node.identity) == true)

        // a pings b's 6PLANE address: the frame reaches b's tap from a's MAC.
        let aPlane = SixPlane(network: w.network, node: w.a.node.address)
        let bPlane = SixPlane(network: w.network, node: w.b.node.address)
        let aMAC = MAC(node: w.a.node.address, network: w.network), bMAC = MAC(node: w.b.node.address, network: w.network)
        w.a.node.receive(frame: TestFrames.ping6(from: aPlane.address, to: bPlane.address, sourceMAC: aMAC, destinationMAC: bMAC), network: w.network, now: w.sim.now)
        w.sim.run(for: 2_000)
        let got = w.b.delivered.filter { $0.frame.etherType == 0x86dd && $0.frame.source == aMAC }
        #expect(got.count == 1)
        // After RENDEZVOUS the two have a direct path to each other.
        let direct = w.sim.run(until: {
            w.a.node.topology.peers[w.b.node.address]?.paths.contains { $0.address.description == "10.0.3.4/9993" && $0.isAlive(w.sim.now) } == true
        }, timeout: 30_000)
        #expect(direct, "a learned b's direct path")
    }

    @Test func aBurstOfFullFramesLeavesInOneHostCall() throws {
        let w = Self.make()
        w.sim.run(for: 2_000)
        #expect(w.join(w.a, w.b))
        let aPlane = SixPlane(network: w.network, node: w.a.node.address), bPlane = SixPlane(network: w.network, node: w.b.node.address)
        let aMAC = MAC(node: w.a.node.address, network: w.network), bMAC = MAC(node: w.b.node.address, network: w.network)
        func frame(_ id: UInt16, padding: Int) -> EthernetFrame {
            TestFrames.ping6(from: aPlane.address, to: bPlane.address, sourceMAC: aMAC, destinationMAC: bMAC, id: id, padding: padding)
        }
        // A first frame pushes a's credentials and brings up the direct path.
        w.a.node.receive(frame: frame(0, padding: 0), network: w.network, now: w.sim.now)
        let direct = w.sim.run(until: {
            w.a.node.topology.peers[w.b.node.address]?.paths.contains { $0.isAlive(w.sim.now) } == true
        }, timeout: 30_000)
        #expect(direct)
        w.sim.run(for: 2_000)
        w.b.clearDelivered()
        w.a.segmentCalls.removeAll()

        // Ten frames of the tap's full 2800-byte MTU: each packet needs two datagrams, split evenly, so all twenty
        // have one size and go to the host in one call (one sendmsg with UDP GSO in the daemon).
        let frames = (1...10).map { frame(UInt16($0), padding: 2800 - 40 - 16) }
        #expect(frames[0].payload.count == 2800)
        w.a.node.receive(frames: frames, network: w.network, now: w.sim.now)
        let call = try #require(w.a.segmentCalls.first)
        #expect(w.a.segmentCalls.count == 1, "\(w.a.segmentCalls)")
        #expect(call.datagrams == 20 && call.bytes == 20 * call.segmentSize && call.segmentSize <= Packet.defaultPhysicalMTU)
        w.sim.run(for: 1_000)
        // (The simulation delays each datagram at random, so the order may change on the way.)
        let got = w.b.delivered.filter { $0.frame.source == aMAC }.map(\.frame.payload)
        #expect(got.count == frames.count && Set(got) == Set(frames.map(\.payload)), "b got every frame, whole: \(got.count)")

        // Frames of different sizes still arrive; each size change starts another call.
        w.a.segmentCalls.removeAll()
        w.b.clearDelivered()
        let mixed = [frame(11, padding: 2000), frame(12, padding: 2000), frame(13, padding: 10), frame(14, padding: 2700)]
        w.a.node.receive(frames: mixed, network: w.network, now: w.sim.now)
        #expect(w.a.segmentCalls.map(\.datagrams) == [4, 1, 2], "\(w.a.segmentCalls)")
        w.sim.run(for: 1_000)
        let gotMixed = w.b.delivered.filter { $0.frame.source == aMAC }.map(\.frame.payload)
        #expect(gotMixed.count == mixed.count && Set(gotMixed) == Set(mixed.map(\.payload)))
    }

    @Test func neighborSolicitationsAreAnsweredLocally() throws {
        let w = Self.make(seed: 2)
        w.sim.run(for: 1_000)
        #expect(w.join(w.a))
        let aMAC = MAC(node: w.a.node.address, network: w.network)
        let aPlane = SixPlane(network: w.network, node: w.a.node.address)
        let bOwn = SixPlane(network: w.network, node: w.b.node.address).address
        let target = IPv6Address(high: bOwn.high, low: (bOwn.low & 0xffff_0000_0000_0000) | 0xdead_beef_1234)
        let sentBefore = w.a.sent
        w.a.clearDelivered()
        w.a.node.receive(frame: TestFrames.neighborSolicitation(target: target, source: aPlane.address, sourceMAC: aMAC), network: w.network, now: w.sim.now)
        #expect(w.a.sent == sentBefore, "nothing crossed the fabric")
        #expect(w.a.node.statistics.ndpEmulated == 1)
        let na = try #require(w.a.delivered.first?.frame)
        #expect(na.source == MAC(node: w.b.node.address, network: w.network) && na.destination == aMAC)
    }

    @Test func arpAndIPv4ThroughMulticastGather() throws {
        let w = Self.make(seed: 3)
        w.sim.run(for: 1_000)
        #expect(w.join(w.a, w.b))
        w.sim.run(for: 2_000)
        let bIP = try #require(w.b.networkStates[w.network]?.config?.staticIPs.compactMap { p -> IPv4Address? in if case .v4(let a) = p.address { return a }; return nil }.first)
        let aIP = try #require(w.a.networkStates[w.network]?.config?.staticIPs.compactMap { p -> IPv4Address? in if case .v4(let a) = p.address { return a }; return nil }.first)
        let aMAC = MAC(node: w.a.node.address, network: w.network)
        w.a.node.receive(frame: TestFrames.arpRequest(sender: aIP, target: bIP, senderMAC: aMAC), network: w.network, now: w.sim.now)
        w.sim.run(for: 3_000)
        let arp = w.b.delivered.filter { $0.frame.etherType == 0x0806 }
        #expect(arp.count == 1, "b's ARP group got the request (through the root's gather answer)")
        #expect(arp.first?.frame.destination == .broadcast)
    }
}
