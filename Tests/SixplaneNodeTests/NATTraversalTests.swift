import SixplaneCore
import SixplaneTestSupport
import Testing

/// Two members behind NATs that behave like Linux's masquerading, introduced by the root: they must end up with a
/// direct path, whatever order the introductions and the first HELLOs arrive in.
@Suite struct NATTraversalTests {
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func twoMembersBehindConntrackNATsMeetDirectly(seed: UInt64) throws {
        let ids = SimIdentities.all
        let sim = Simulation(seed: seed, conditions: .init(loss: 0, delay: 1...20, duplicate: 0))
        let planet = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: ids[63])
        _ = sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: planet)
        let controller = sim.addNode(identity: ids[1], address: IPv4Address(10, 0, 1, 2), planet: planet)
        let natA = NAT(publicAddress: IPv4Address(10, 9, 0, 1), kind: .conntrack)
        let natB = NAT(publicAddress: IPv4Address(10, 9, 0, 2), kind: .conntrack)
        let a = sim.addNode(identity: ids[2], address: IPv4Address(192, 168, 1, 2), nat: natA, planet: planet)
        let b = sim.addNode(identity: ids[3], address: IPv4Address(192, 168, 2, 2), nat: natB, planet: planet)
        let hook = SimController()
        let network = NetworkID(controller: ids[1].address, number: 0x4a7)
        hook.networks[network] = SimController.NetworkSettings()
        controller.node.controller = hook
        sim.run(for: 2_000)
        for h in [a, b] { h.node.join(network, now: sim.now) }
        #expect(sim.run(until: { [a, b].allSatisfy { $0.networkStates[network]?.status == .ok } }, timeout: 20_000))

        // a's first frame to b goes through the root, which introduces the two while b still has to look a up.
        let aPlane = SixPlane(network: network, node: a.node.address), bPlane = SixPlane(network: network, node: b.node.address)
        let aMAC = MAC(node: a.node.address, network: network), bMAC = MAC(node: b.node.address, network: network)
        let ping = TestFrames.ping6(from: aPlane.address, to: bPlane.address, sourceMAC: aMAC, destinationMAC: bMAC)
        a.node.receive(frame: ping, network: network, now: sim.now)
        func direct(_ from: SimHost, to: SimHost, at nat: NAT) -> Bool {
            from.node.topology.peers[to.node.address]?.paths.contains {
                if case .ipv4(let ip, _) = $0.address { return ip == nat.publicAddress && $0.isAlive(sim.now) }
                return false
            } == true
        }
        let met = sim.run(until: { direct(a, to: b, at: natB) && direct(b, to: a, at: natA) }, timeout: 10_000)
        #expect(met, "a and b reach each other through their NATs")
        #expect(a.node.tableSizes["delayedHellos"]?.count == 0 && b.node.tableSizes["delayedHellos"]?.count == 0, "nothing left waiting")
    }
}
