import Foundation
import NIOCore
import NIOPosix
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

@testable import SixplaneDaemon

/// Every route of the local API on a real DaemonNode (its own event loop and home folder, no sockets or taps), with
/// the bad-input answers: 401 without the token, 400 for malformed input, 404 for unknown objects.
@Suite struct LocalAPITests {
    final class Fixture {
        let dir: TemporaryDirectory
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let daemon: DaemonNode
        let api: LocalAPI
        let home: Home

        init() throws {
            dir = try TemporaryDirectory()
            home = Home(path: dir.path + "/home")
            try home.prepare()
            var rng = SeededGenerator(seed: 61)
            let identity = try home.identities.loadOrCreate(using: &rng)
            // As the daemon starts it: a fresh home opens no database until a controller route is called.
            let controller = try ControllerStartup.decide(home: home.path, url: nil)
            let loop = group.next()
            daemon = DaemonNode(loop: loop, home: home, identity: identity, netconf: NetworkConfigurator())
            let daemon = self.daemon
            try loop.submit {
                daemon.start(configuration: NodeConfiguration(identity: identity, planet: PublicPlanet.world), controller: controller)
                // The first tick makes the roots peers (and tries them: there are no sockets, so nothing leaves).
                daemon.node.tick(now: DaemonNode.now())
            }.wait()
            api = LocalAPI(daemon: daemon, token: "secret-token")
        }

        deinit {
            try? daemon.loop.submit { [daemon] in daemon.shutdown() }.wait()
            daemon.controllerService?.shutdownNow()
            try? group.syncShutdownGracefully()
            dir.remove()
        }

        func tick() {
            let daemon = self.daemon
            _ = try! daemon.loop.submit { daemon.node.tick(now: DaemonNode.now() + 10_000) }.wait()
        }

        func call(_ method: String, _ path: String, token: String? = "secret-token", body: String = "", query: [String: String] = [:])
            -> LocalAPI.Response
        {
            let request = LocalAPI.Request(method: method, path: path, query: query, token: token, body: Data(body.utf8))
            let api = self.api
            return try! api.respond(request).wait()
        }
    }

    static let routes: [(String, String)] = [
        ("GET", "/status"), ("GET", "/network"), ("GET", "/network/8056c2e21c000001"), ("POST", "/network/8056c2e21c000001"),
        ("DELETE", "/network/8056c2e21c000001"), ("GET", "/peer"), ("GET", "/peer/62f865ae71"), ("GET", "/moon"),
        ("GET", "/moon/000000a5c6b3722d"), ("POST", "/moon/000000a5c6b3722d"), ("DELETE", "/moon/000000a5c6b3722d"),
        ("GET", "/metrics"), ("GET", "/controller"), ("GET", "/controller/network"), ("GET", "/unstable/controller/network"),
    ]

    @Test func everyRouteButHealthWantsTheToken() throws {
        let f = try Fixture()
        for (method, path) in Self.routes {
            #expect(f.call(method, path, token: nil).status == 401, "\(method) \(path) without a token")
            #expect(f.call(method, path, token: "secret-tokeN").status == 401, "\(method) \(path) with a wrong token")
        }
        #expect(f.call("GET", "/health", token: nil).status == 200)
        #expect(f.call("GET", "/health", token: nil).json?["online"]?.boolValue == false)
        #expect(f.daemon.counters.apiUnauthorized == 2 * Self.routes.count)
        #expect(LocalAPI.constantTimeEqual("abc", "abc") && !LocalAPI.constantTimeEqual("abc", "abd") && !LocalAPI.constantTimeEqual("abc", "ab"))
    }

    @Test func statusAndHealth() throws {
        let f = try Fixture()
        let s = try #require(f.call("GET", "/status").json)
        #expect(s["address"]?.stringValue == f.daemon.identity.address.description)
        #expect(s["publicIdentity"]?.stringValue == f.daemon.identity.publicOnly.description)
        #expect(s["version"]?.stringValue == "1.14.1" && s["online"]?.boolValue == false)
        #expect(s["planetWorldId"]?.intValue == Int64(PublicPlanet.world.id))
        #expect(s["config"]?["settings"]?["homeDir"]?.stringValue == f.home.path)
        #expect(s["sixplaneVersion"]?.stringValue == SixplaneVersion.current)
    }

    @Test func joinSettingsAndLeave() throws {
        let f = try Fixture()
        let id = "8056c2e21c000001"
        #expect(f.call("GET", "/network").json == .array([]))
        #expect(f.call("GET", "/network/\(id)").status == 404)
        let joined = f.call("POST", "/network/\(id)", body: "{}")
        #expect(joined.status == 200)
        #expect(joined.json?["status"]?.stringValue == "REQUESTING_CONFIGURATION")
        #expect(joined.json?["allowManaged"]?.boolValue == true && joined.json?["allowGlobal"]?.boolValue == false)
        #expect(joined.json?["mac"]?.stringValue == MAC(node: f.daemon.identity.address, network: try NetworkID(hex: id)).description)
        #expect(FileManager.default.fileExists(atPath: "\(f.home.networksPath)/\(id).conf"), "joined as ZeroTier records it")
        let set = f.call("POST", "/network/\(id)", body: #"{"allowGlobal": true, "allowDefault": true}"#)
        #expect(set.json?["allowGlobal"]?.boolValue == true && set.json?["allowDefault"]?.boolValue == true)
        #expect(f.home.localSettings(try NetworkID(hex: id)).allowGlobal, "settings kept in <nwid>.local.conf")
        #expect(f.call("GET", "/network").json?.arrayValue?.count == 1)
        #expect(f.call("PUT", "/network/\(id)", body: "{}").status == 200, "PUT is POST, as ZeroTier")

        // Bad input: typed 400s that change nothing.
        for (body, field) in [("[1]", "body"), ("{not json", "body"), (#"{"allowGlobal": false, "allowManaged": [true]}"#, "allowManaged")] {
            let r = f.call("POST", "/network/\(id)", body: body)
            #expect(r.status == 400 && r.json?["field"]?.stringValue == field, "\(body) → \(r.body)")
        }
        #expect(f.home.localSettings(try NetworkID(hex: id)).allowGlobal, "a refused body changed nothing")
        #expect(f.call("GET", "/network/\(id)").json?["allowGlobal"]?.boolValue == true)
        for bad in ["8056c2e21c00000", "8056c2e21c0000011", "zz56c2e21c000001"] {
            #expect(f.call("GET", "/network/\(bad)").status == 400, "\(bad)")
        }

        #expect(f.call("DELETE", "/network/\(id)").json?["result"]?.boolValue == true)
        #expect(!FileManager.default.fileExists(atPath: "\(f.home.networksPath)/\(id).conf"))
        #expect(!FileManager.default.fileExists(atPath: "\(f.home.networksPath)/\(id).local.conf"))
        #expect(f.call("DELETE", "/network/\(id)").status == 404)
        #expect(f.call("GET", "/network").json == .array([]))
    }

    @Test func peersOfThePlanet() throws {
        let f = try Fixture()
        let peers = try #require(f.call("GET", "/peer").json?.arrayValue)
        #expect(peers.count == PublicPlanet.world.roots.count)
        #expect(peers.allSatisfy { $0["role"]?.stringValue == "PLANET" && $0["version"]?.stringValue == "-1.-1.-1" })
        let root = PublicPlanet.world.roots[0].identity.address.description
        #expect(f.call("GET", "/peer/\(root)").json?["address"]?.stringValue == root)
        let unknown = f.call("GET", "/peer/1122334455")
        #expect(unknown.status == 200 && unknown.json == .object([:]), "an unknown peer is {} as in 1.14.1")
        #expect(f.call("GET", "/peer/11223344").status == 400)
        #expect(f.call("GET", "/peer/ff22334455").status == 400, "a reserved address is not an address")
    }

    @Test func moonsFromAFileOrASeed() throws {
        let f = try Fixture()
        let rootIdentity = try Fixtures.testbedIdentity("root")
        var rng = SeededGenerator(seed: 9)
        let secret = (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let moon = try World(
            kind: .moon, id: rootIdentity.address.rawValue, timestamp: 1000, updatesMustBeSignedBy: try C25519.publicKey(secret: secret),
            roots: [World.Root(identity: rootIdentity.publicOnly, endpoints: [.ipv4(IPv4Address(192, 0, 2, 1), port: 9993)])]
        ).signed(secretKey: secret)
        let id = Hex.encode(moon.id, digits: 16)
        #expect(f.call("GET", "/moon").json == .array([]))
        #expect(f.call("GET", "/moon/\(id)").status == 404)
        let posted = f.call("POST", "/moon/\(id)", body: #"{"world":"\#(Hex.encode(moon.serialized))"}"#)
        #expect(posted.status == 200 && posted.json?["waiting"]?.boolValue == false, "\(posted.body)")
        #expect(posted.json?["roots"]?.arrayValue?.first?["stableEndpoints"] == .array(["192.0.2.1/9993"]))
        #expect(FileManager.default.fileExists(atPath: f.home.moonPath(moon.id)), "kept in moons.d")
        f.tick()
        #expect(f.call("GET", "/peer/\(rootIdentity.address)").json?["role"]?.stringValue == "MOON", "its root is an upstream")
        #expect(f.call("DELETE", "/moon/\(id)").json?["result"]?.boolValue == true)
        #expect(!FileManager.default.fileExists(atPath: f.home.moonPath(moon.id)))
        #expect(f.call("DELETE", "/moon/\(id)").status == 404)

        let seeded = f.call("POST", "/moon/\(id)", body: #"{"seed":"\#(rootIdentity.address)"}"#)
        #expect(seeded.json?["waiting"]?.boolValue == true && seeded.json?["seed"]?.stringValue == rootIdentity.address.description)
        #expect(f.call("GET", "/moon").json?.arrayValue?.count == 1)
        #expect(f.call("DELETE", "/moon/\(id)").status == 200)

        for body in ["", "{}", #"{"seed":"xyz"}"#, #"{"world":"00"}"#, #"{"world":"\#(Hex.encode(PublicPlanet.world.serialized))"}"#] {
            #expect(f.call("POST", "/moon/\(id)", body: body).status == 400, "\(body.prefix(40))")
        }
        #expect(f.call("GET", "/moon/not-hex").status == 400)
    }

    @Test func metricsAndControllerRoutes() throws {
        let f = try Fixture()
        let metrics = f.call("GET", "/metrics")
        #expect(metrics.contentType.hasPrefix("text/plain"))
        #expect(metrics.body.contains("sixplane_peers \(PublicPlanet.world.roots.count)\n"))
        for name in ["sixplane_online", "sixplane_paths", "sixplane_packets_total", "sixplane_drops_total", "sixplane_ndp_emulated_total",
                     "sixplane_api_requests_total", "sixplane_controller_answers_total"] {
            #expect(metrics.body.contains("# TYPE \(name) "), "\(name)")
        }
        #expect(f.call("GET", "/controller").json?["controller"]?.boolValue == true)
        let created = f.call("POST", "/controller/network/\(f.daemon.identity.address)______", body: #"{"name":"x"}"#)
        #expect(created.status == 200)
        let nwid = try #require(created.json?["id"]?.stringValue)
        #expect(f.call("GET", "/controller/network").json == .array([.string(nwid)]))
        #expect(f.call("GET", "/unstable/controller/network/\(nwid)/member").json?["meta"]?["totalCount"]?.intValue == 0)
        #expect(f.call("POST", "/controller/network/\(nwid)/member/1122334455", body: #"{"authorized":true}"#).status == 200)
        #expect(f.call("GET", "/controller/network/\(nwid)/member/1122334455").json?["authorized"]?.boolValue == true)
        #expect(f.call("POST", "/controller/network/0000000001______", body: "{}").status == 400, "not this controller's prefix")
        #expect(f.call("GET", "/nothing/here").status == 404)
        #expect(f.call("PATCH", "/status").status == 404)
    }
}
