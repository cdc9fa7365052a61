import SixplaneCore
import SixplaneTestSupport
import Testing

/// One root, one controller and 50 members on a 6PLANE network, some behind NATs, on a lossy fabric.
@Suite struct FiftyMemberSimulationTests {
    struct Outcome: Equatable {
        var configured: Int
        var pairsDelivered: Int
        var pairsExpected: Int
        var ndpDatagrams: Int
        var ndpAnswered: Int
        var natPortPreservingDirect: Bool
        var symmetricRelayedToNATs: Bool
        var afterRootRemoved: Int
        var afterRootExpected: Int
        var fingerprint: [Int]
    }

    static func run(seed: UInt64) -> Outcome {
        let ids = SimIdentities.all
        let sim = Simulation(seed: seed, conditions: .init(loss: 0.01, delay: 1...20, duplicate: 0.005))
        let planet = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: ids[63])
        let root = sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: planet)
        let controller = sim.addNode(identity: ids[1], address: IPv4Address(10, 0, 1, 1), planet: planet)
        let hook = SimController()
        let network = NetworkID(controller: ids[1].address, number: 0x6b1)
        hook.networks[network] = SimController.NetworkSettings()
        controller.node.controller = hook

        var members: [SimHost] = []
        var portPreserving: [SimHost] = []
        var symmetric: [SimHost] = []
        for i in 0..<50 {
            let id = ids[2 + i]
            let inside = IPv4Address(10, 1, UInt8(i), 10)
            if i >= 40 && i < 46 {
                let nat = NAT(publicAddress: IPv4Address(10, 2, UInt8(i), 1), kind: .portPreserving)
                let h = sim.addNode(identity: id, address: IPv4Address(192, 168, UInt8(i), 10), nat: nat, planet: planet)
                portPreserving.append(h)
                members.append(h)
            } else if i >= 46 {
                let nat = NAT(publicAddress: IPv4Address(10, 3, UInt8(i), 1), kind: .symmetric)
                let h = sim.addNode(identity: id, address: IPv4Address(192, 168, UInt8(i), 10), nat: nat, planet: planet)
                symmetric.append(h)
                members.append(h)
            } else {
                members.append(sim.addNode(identity: id, address: inside, planet: planet))
            }
        }
        sim.run(for: 3_000)
        for m in members { m.node.join(network, now: sim.now) }
        sim.run(until: { members.allSatisfy { $0.networkStates[network]?.status == .ok } }, timeout: 60_000)
        let configured = members.filter { $0.networkStates[network]?.status == .ok }.count
        sim.run(for: 5_000)

        // Every ordered pair: a ping from one member's 6PLANE address to the other's, retried (like ping) for the
        // pairs whose frame the 1 % loss ate.
        func received(_ dst: SimHost, from src: SimHost) -> Bool {
            let mac = MAC(node: src.node.address, network: network)
            return dst.delivered.contains { $0.frame.source == mac && $0.frame.etherType == 0x86dd && $0.frame.payload.count > 40 && $0.frame.payload[40] == 128 }
        }
        func exchange(_ hosts: [SimHost], within: Int64) -> (delivered: Int, expected: Int) {
            for h in hosts { h.clearDelivered() }
            var expected = 0
            for attempt in 0..<3 {
                ping(hosts, attempt: attempt, within: within)
            }
            var delivered = 0
            for dst in hosts {
                for src in hosts where src !== dst {
                    expected += 1
                    if received(dst, from: src) { delivered += 1 }
                }
            }
            return (delivered, expected)
        }
        func ping(_ hosts: [SimHost], attempt: Int, within: Int64) {
            var round = 0
            for src in hosts {
                for dst in hosts where dst !== src && !received(dst, from: src) {
                    round += 1
                    let s = SixPlane(network: network, node: src.node.address).address
                    let d = SixPlane(network: network, node: dst.node.address).address
                    let frame = TestFrames.ping6(
                        from: s, to: d, sourceMAC: MAC(node: src.node.address, network: network),
                        destinationMAC: MAC(node: dst.node.address, network: network), id: UInt16(truncatingIfNeeded: round + attempt << 12))
                    src.node.receive(frame: frame, network: network, now: sim.now)
                }
                sim.run(for: 20)
            }
            sim.run(for: within)
        }
        // Twice: the first round also settles credentials (a frame refused for want of a COM is retried) and
        // direct paths; the second shows steady state, where every pair must get through.
        _ = exchange(members, within: 6_000)
        let steady = exchange(members, within: 6_000)

        // Neighbor solicitations for addresses in other members' /80s never reach the fabric.
        var ndpDatagrams = 0, ndpAnswered = 0
        for (i, m) in members.enumerated() {
            let other = members[(i + 7) % members.count]
            let own = SixPlane(network: network, node: other.node.address).address
            let target = IPv6Address(high: own.high, low: (own.low & 0xffff_0000_0000_0000) | UInt64(0xabcd_0000 + i))
            let before = m.sent
            let answered = m.node.statistics.ndpEmulated
            m.node.receive(
                frame: TestFrames.neighborSolicitation(target: target, source: SixPlane(network: network, node: m.node.address).address, sourceMAC: MAC(node: m.node.address, network: network)),
                network: network, now: sim.now)
            ndpDatagrams += m.sent - before
            ndpAnswered += m.node.statistics.ndpEmulated - answered
        }

        // NAT behavior: port-preserving members reach plain members directly; symmetric ones stay relayed to other
        // NATed members.
        func direct(_ a: SimHost, _ b: SimHost) -> Bool {
            a.node.topology.peers[b.node.address]?.paths.contains { $0.isAlive(sim.now) } ?? false
        }
        let natDirect = portPreserving.allSatisfy { p in direct(p, members[0]) } && direct(portPreserving[0], portPreserving[1])
        let symmetricRelayed = symmetric.allSatisfy { s in portPreserving.allSatisfy { !direct(s, $0) } }

        // The root goes away: members with direct paths keep talking.
        sim.remove(root)
        sim.run(for: 2_000)
        let plain = Array(members.prefix(40))
        let after = exchange(Array(plain.prefix(20)), within: 4_000)

        let fingerprint = [sim.carried, sim.carriedBytes, sim.lost] + members.map(\.delivered.count)
        return Outcome(
            configured: configured, pairsDelivered: steady.delivered, pairsExpected: steady.expected,
            ndpDatagrams: ndpDatagrams, ndpAnswered: ndpAnswered, natPortPreservingDirect: natDirect,
            symmetricRelayedToNATs: symmetricRelayed, afterRootRemoved: after.delivered, afterRootExpected: after.expected,
            fingerprint: fingerprint)
    }

    @Test func fiftyMembersJoinTalkAndSurviveTheRoot() {
        let outcome = Self.run(seed: 50)
        #expect(outcome.configured == 50)
        #expect(outcome.pairsDelivered == outcome.pairsExpected, "every pair exchanged frames (\(outcome.pairsDelivered)/\(outcome.pairsExpected))")
        #expect(outcome.ndpDatagrams == 0, "no neighbor solicitation crossed the fabric")
        #expect(outcome.ndpAnswered == 50)
        #expect(outcome.natPortPreservingDirect, "port-preserving NAT members got direct paths")
        #expect(outcome.symmetricRelayedToNATs, "symmetric NAT members stay relayed to NATed members")
        #expect(outcome.afterRootRemoved == outcome.afterRootExpected, "traffic continues without the root (\(outcome.afterRootRemoved)/\(outcome.afterRootExpected))")
    }

    @Test func deterministicForASeed() {
        #expect(Self.run(seed: 7).fingerprint == Self.run(seed: 7).fingerprint)
    }
}
