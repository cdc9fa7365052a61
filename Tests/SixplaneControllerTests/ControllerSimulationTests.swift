import Foundation
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

/// The real controller (SQLite store) serving one root and 200 members in the in-memory simulation: who is
/// authorized, deauthorized and which addresses they get shows in their configs and in their traffic.
@Suite struct ControllerSimulationTests {
    static let memberCount = 200
    static let deniedCount = 10

    final class World {
        let sim: Simulation
        let controllerHost: SimHost
        let controller: Controller
        let api: ControllerAPI
        let members: [SimHost]
        let network: NetworkID
        let dir: TemporaryDirectory

        init(seed: UInt64) throws {
            let ids = SimIdentities.all
            sim = Simulation(seed: seed, conditions: .init(loss: 0.005, delay: 1...15, duplicate: 0.002))
            let planet = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: ids[255])
            sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: planet)
            controllerHost = sim.addNode(identity: ids[1], address: IPv4Address(10, 0, 1, 1), planet: planet)
            dir = try TemporaryDirectory()
            controller = Controller(identity: ids[1], store: try SQLiteStore(path: dir.file("controller.db")))
            controller.attach(to: controllerHost.node)
            api = ControllerAPI(controller: controller)
            network = NetworkID(controller: ids[1].address, number: 0x200)
            let sim = sim
            members = (0..<ControllerSimulationTests.memberCount).map { i in
                sim.addNode(identity: ids[2 + i], address: IPv4Address(10, 1, UInt8(i / 250), UInt8(10 + i % 200)), planet: planet)
            }
        }

        deinit { dir.remove() }

        @discardableResult
        func post(_ path: String, _ body: String) -> ControllerAPI.Response {
            let r = api.handle(.init(method: "POST", path: path, body: Data(body.utf8)), now: sim.now)
            #expect(r.status == 200, "\(path): \(r.body)")
            return r
        }

        func status(_ h: SimHost) -> NetworkStatus? { h.networkStates[network]?.status }
        func config(_ h: SimHost) -> NetworkConfig? { h.networkStates[network]?.config }
        func mac(_ h: SimHost) -> MAC { MAC(node: h.node.address, network: network) }

        func received(_ dst: SimHost, from src: SimHost, etherType: UInt16) -> Bool {
            dst.delivered.contains { $0.network == network && $0.frame.source == mac(src) && $0.frame.etherType == etherType }
        }

        /// Sends `frame(src, dst)` for each pair not yet delivered, up to three times (the fabric loses some).
        func exchange(_ pairs: [(SimHost, SimHost)], etherType: UInt16, frame: (SimHost, SimHost, Int) -> EthernetFrame) -> Int {
            for (_, dst) in pairs { dst.clearDelivered() }
            for attempt in 0..<3 {
                for (i, (src, dst)) in pairs.enumerated() where !received(dst, from: src, etherType: etherType) {
                    src.node.receive(frame: frame(src, dst, i + attempt << 12), network: network, now: sim.now)
                    if i % 20 == 0 { sim.run(for: 10) }
                }
                sim.run(for: 3_000)
            }
            return pairs.filter { received($0.1, from: $0.0, etherType: etherType) }.count
        }

        func ping6(_ pairs: [(SimHost, SimHost)], rfc4193: Bool = false) -> Int {
            exchange(pairs, etherType: 0x86dd) { src, dst, id in
                let s = rfc4193 ? RFC4193(network: self.network, node: src.node.address).address : SixPlane(network: self.network, node: src.node.address).address
                let d = rfc4193 ? RFC4193(network: self.network, node: dst.node.address).address : SixPlane(network: self.network, node: dst.node.address).address
                return TestFrames.ping6(from: s, to: d, sourceMAC: self.mac(src), destinationMAC: self.mac(dst), id: UInt16(truncatingIfNeeded: id))
            }
        }

        func v4(_ h: SimHost) -> IPv4Address? {
            config(h)?.staticIPs.compactMap { if case .v4(let a) = $0.address { a } else { nil } }.first
        }

        func udp4(_ pairs: [(SimHost, SimHost)]) -> Int {
            exchange(pairs, etherType: 0x0800) { src, dst, _ in
                TestFrames.udp4(from: self.v4(src)!, to: self.v4(dst)!, sourceMAC: self.mac(src), destinationMAC: self.mac(dst))
            }
        }
    }

    @Test func twoHundredMembers() throws {
        let w = try World(seed: 200)
        let nwPath = "/controller/network/\(w.network)"
        w.post(
            nwPath,
            #"{"name":"backplane","v6AssignMode":{"6plane":true,"rfc4193":true},"v4AssignMode":{"zt":true},"routes":[{"target":"10.60.0.0/16"}],"ipAssignmentPools":[{"ipRangeStart":"10.60.0.1","ipRangeEnd":"10.60.255.254"}]}"#
        )
        let authorized = Array(w.members.prefix(Self.memberCount - Self.deniedCount))
        let denied = Array(w.members.suffix(Self.deniedCount))
        for m in authorized { w.post("\(nwPath)/member/\(m.node.address)", #"{"authorized":true}"#) }

        w.sim.run(for: 3_000)
        for m in w.members { m.node.join(w.network, now: w.sim.now) }
        let settled = w.sim.run(
            until: { authorized.allSatisfy { w.status($0) == .ok } && denied.allSatisfy { w.status($0) == .accessDenied } },
            timeout: 90_000)
        #expect(settled, "ok: \(authorized.filter { w.status($0) == .ok }.count), denied: \(denied.filter { w.status($0) == .accessDenied }.count)")
        #expect(denied.allSatisfy { w.config($0) == nil })
        // The controller's own node is a member too once it joins: its config is applied without the network.
        w.post("\(nwPath)/member/\(w.controllerHost.node.address)", #"{"authorized":true}"#)
        w.controllerHost.node.join(w.network, now: w.sim.now)
        #expect(w.sim.run(until: { w.status(w.controllerHost) == .ok }, timeout: 10_000), "the controller joined its own network")
        #expect(w.config(w.controllerHost)?.staticIPs.contains(SixPlane(network: w.network, node: w.controllerHost.node.address).assignedAddress) == true)

        // Configs: 6PLANE /80, RFC4193 /88 and one pool address each, all different.
        var v4s: Set<IPv4Address> = []
        for m in authorized {
            guard let c = w.config(m) else { continue }
            #expect(c.staticIPs.contains(SixPlane(network: w.network, node: m.node.address).assignedAddress))
            #expect(c.staticIPs.contains(RFC4193(network: w.network, node: m.node.address).assignedAddress))
            if let a = w.v4(m) { v4s.insert(a) }
            #expect(c.name == "backplane")
        }
        #expect(v4s.count == authorized.count)
        let store = w.controller.store
        // The members, and the controller's own node.
        #expect(try store.memberCounts(w.network) == (Self.memberCount + 1, authorized.count + 1))
        #expect(try store.members(w.network).filter { !$0.ipAssignments.isEmpty }.count == authorized.count + 1)

        // Traffic over 6PLANE, RFC4193 and the assigned IPv4 addresses (which the members' certificates own).
        let n = authorized.count
        let ring = (0..<n).map { (authorized[$0], authorized[($0 + 1) % n]) } + (0..<n).map { (authorized[$0], authorized[($0 + 37) % n]) }
        #expect(w.ping6(ring) == ring.count)
        let some = Array(ring.prefix(40))
        #expect(w.ping6(some, rfc4193: true) == some.count)
        #expect(w.udp4(some) == some.count)
        // Denied members reach nobody.
        #expect(w.ping6(denied.map { ($0, authorized[0]) }) == 0)

        // Authorizing a denied member: the controller pushes its config.
        let late = denied[0]
        w.post("\(nwPath)/member/\(late.node.address)", #"{"authorized":true}"#)
        #expect(w.sim.run(until: { w.status(late) == .ok }, timeout: 5_000))
        #expect(w.ping6([(late, authorized[5]), (authorized[6], late)]) == 2)

        // Deauthorizing a member cuts it off within 2 s: revoked at every online member, told it is denied.
        let cut = authorized[10]
        let peers = [authorized[11], authorized[47], authorized[100], authorized[150]]
        #expect(w.ping6(peers.map { (cut, $0) } + peers.map { ($0, cut) }) == 2 * peers.count)
        let deauthorizedAt = w.sim.now
        w.post("\(nwPath)/member/\(cut.node.address)", #"{"authorized":false}"#)
        w.sim.run(until: deauthorizedAt + 2_000)
        #expect(w.status(cut) == .accessDenied)
        for p in peers { p.clearDelivered() }
        cut.clearDelivered()
        for (i, p) in peers.enumerated() {
            let s = SixPlane(network: w.network, node: cut.node.address).address, d = SixPlane(network: w.network, node: p.node.address).address
            cut.node.receive(frame: TestFrames.ping6(from: s, to: d, sourceMAC: w.mac(cut), destinationMAC: w.mac(p), id: UInt16(900 + i)), network: w.network, now: w.sim.now)
            p.node.receive(frame: TestFrames.ping6(from: d, to: s, sourceMAC: w.mac(p), destinationMAC: w.mac(cut), id: UInt16(950 + i)), network: w.network, now: w.sim.now)
        }
        w.sim.run(for: 1_000)
        #expect(peers.allSatisfy { !w.received($0, from: cut, etherType: 0x86dd) }, "a peer still accepted the deauthorized member's frames")
        #expect(!peers.contains { w.received(cut, from: $0, etherType: 0x86dd) }, "the deauthorized member still got frames")
        #expect(w.ping6([(authorized[11], authorized[12])]) == 1, "others are unaffected")

        // Authorized again: its config is pushed at once, and peers that revoked it take traffic to it again
        // (they ask for its new certificate rather than wait for it to speak first).
        let reauthorizedAt = w.sim.now
        w.post("\(nwPath)/member/\(cut.node.address)", #"{"authorized":true}"#)
        #expect(w.sim.run(until: { w.status(cut) == .ok }, timeout: 2_000), "pushed, not waiting for the minute refresh")
        #expect(w.sim.now - reauthorizedAt < 2_000)
        #expect(w.ping6(peers.map { ($0, cut) }) == peers.count, "peers reach it again first")
        #expect(w.ping6(peers.map { (cut, $0) }) == peers.count)
        #expect(w.controller.answered >= authorized.count)
    }
}
