import Foundation
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

/// Two controllers with the same identity on one PostgreSQL database (each with its own connection, as two
/// processes would have): both answer config requests, and a change made through one reaches the other's members
/// within a second, by NOTIFY.
@Suite struct TwoControllerTests {
    @Test func changesThroughOneReachTheOthersMembers() throws {
        let url = try PostgresCluster.shared().createDatabase()
        let ids = SimIdentities.all
        let sim = Simulation(seed: 2)
        let planet = SimIdentities.planet(root: ids[0], address: IPv4Address(10, 0, 0, 1), signer: ids[255])
        sim.addNode(identity: ids[0], address: IPv4Address(10, 0, 0, 1), planet: planet)
        let hostA = sim.addNode(identity: ids[1], address: IPv4Address(10, 0, 1, 1), planet: planet)
        let hostB = sim.addNode(identity: ids[1], address: IPv4Address(10, 0, 1, 2), planet: planet)
        let storeA = try PostgresStore(url: url), storeB = try PostgresStore(url: url)
        let a = Controller(identity: ids[1], store: storeA), b = Controller(identity: ids[1], store: storeB)
        a.attach(to: hostA.node)
        b.attach(to: hostB.node)
        let apiA = ControllerAPI(controller: a), apiB = ControllerAPI(controller: b)
        let network = NetworkID(controller: ids[1].address, number: 0x2c)

        // m1 reaches the controller at A's address, m2 at B's.
        let m1 = sim.addNode(identity: ids[2], address: IPv4Address(10, 1, 0, 1), planet: planet)
        let m2 = sim.addNode(identity: ids[3], address: IPv4Address(10, 1, 0, 2), planet: planet)
        m1.node.addCachedPeer(ids[1], addresses: [hostA.address], now: sim.now)
        m2.node.addCachedPeer(ids[1], addresses: [hostB.address], now: sim.now)

        func post(_ api: ControllerAPI, _ path: String, _ body: String) {
            let r = api.handle(.init(method: "POST", path: path, body: Data(body.utf8)), now: sim.now)
            #expect(r.status == 200, "\(r.body)")
        }
        post(apiA, "/controller/network/\(network)", #"{"name":"shared","v6AssignMode":{"6plane":true}}"#)
        post(apiA, "/controller/network/\(network)/member/\(m1.node.address)", #"{"authorized":true}"#)
        post(apiB, "/controller/network/\(network)/member/\(m2.node.address)", #"{"authorized":true}"#)

        sim.run(for: 2_000)
        m1.node.join(network, now: sim.now)
        m2.node.join(network, now: sim.now)
        #expect(sim.run(until: { m1.networkStates[network]?.status == .ok && m2.networkStates[network]?.status == .ok }, timeout: 20_000))
        #expect(a.answered >= 1 && b.answered >= 1, "both controllers answered (a: \(a.answered), b: \(b.answered))")
        #expect(a.onlineMembers(network, now: sim.now) == [m1.node.address])
        #expect(b.onlineMembers(network, now: sim.now) == [m2.node.address])

        /// Real time from a change until `done`, with both controllers ticking as the daemon does.
        func propagation(_ done: () -> Bool) -> Double {
            let start = DispatchTime.now()
            while !done() {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                if elapsed > 5 { return elapsed }
                a.tick(now: sim.now)
                b.tick(now: sim.now)
                sim.run(for: 20)
                usleep(5_000)
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        }

        // A network change through A reaches m2, which only B serves.
        post(apiA, "/controller/network/\(network)", #"{"name":"renamed"}"#)
        let renamed = propagation { m2.networkStates[network]?.config?.name == "renamed" }
        #expect(renamed < 1, "network change reached B's member in \(renamed) s")

        // A member change through B reaches m1, which only A serves.
        post(apiB, "/controller/network/\(network)/member/\(m1.node.address)", #"{"ipAssignments":["10.44.0.9"]}"#)
        post(apiA, "/controller/network/\(network)", #"{"routes":[{"target":"10.44.0.0/24"}]}"#)
        let assigned = propagation {
            m1.networkStates[network]?.config?.staticIPs.contains { $0.address == (try? IPAddress(parsing: "10.44.0.9")) } == true
        }
        #expect(assigned < 1, "member change reached A's member in \(assigned) s")

        // A member only A has served, deauthorized through A: B, which never saw it, revokes it at its own online
        // members too (it could be talking to them).
        let m3 = sim.addNode(identity: ids[4], address: IPv4Address(10, 1, 0, 3), planet: planet)
        m3.node.addCachedPeer(ids[1], addresses: [hostA.address], now: sim.now)
        post(apiA, "/controller/network/\(network)/member/\(m3.node.address)", #"{"authorized":true}"#)
        m3.node.join(network, now: sim.now)
        #expect(sim.run(until: { m3.networkStates[network]?.status == .ok }, timeout: 20_000))
        #expect(!b.onlineMembers(network, now: sim.now).contains(m3.node.address))
        let credentials = Int(Verb.networkCredentials.rawValue)
        let heardBefore = m2.node.statistics.packetsIn[credentials]
        post(apiA, "/controller/network/\(network)/member/\(m3.node.address)", #"{"authorized":false}"#)
        let revoked = propagation { m2.node.statistics.packetsIn[credentials] > heardBefore }
        #expect(revoked < 1, "B's member got the revocation in \(revoked) s")

        // Deauthorizing m2 through A: B revokes it and tells it.
        post(apiA, "/controller/network/\(network)/member/\(m2.node.address)", #"{"authorized":false}"#)
        let denied = propagation { m2.networkStates[network]?.status == .accessDenied }
        #expect(denied < 1, "deauthorization reached B's member in \(denied) s")
    }
}
