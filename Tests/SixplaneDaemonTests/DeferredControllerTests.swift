import Foundation
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

@testable import SixplaneDaemon

/// The controller's database is opened when first needed, not at start: on a real DaemonNode and a real SQLite
/// file, what opens it (an authorized controller call, a config request while the file exists) and what does not
/// (an unauthorized call, a config request with no file).
@Suite struct DeferredControllerTests {
    typealias Fixture = LocalAPITests.Fixture

    static func dbPath(_ f: Fixture) -> String { ControllerDatabase.sqlitePath(home: f.home.path) }

    static func controllerRunning(_ f: Fixture) -> Bool {
        let daemon = f.daemon
        return (try? daemon.loop.submit { daemon.controllerService != nil }.wait()) ?? false
    }

    /// The network status the API shows once `f`'s node has had up to `ticks` chances to ask again (each tick 10 s
    /// later than the one before, past the 5 s between requests for a config not yet had).
    static func status(_ f: Fixture, _ id: NetworkID, after ticks: Int, until wanted: String) -> String? {
        var status: String?
        let daemon = f.daemon, start = DaemonNode.now()
        for i in 1...ticks {
            status = f.call("GET", "/network/\(id)").json?["status"]?.stringValue
            if status == wanted { break }
            _ = try? daemon.loop.submit { daemon.node.tick(now: start + Int64(i) * 10_000) }.wait()
            Thread.sleep(forTimeInterval: 0.05)
        }
        return status
    }

    @Test func aFreshHomeOpensTheDatabaseOnTheFirstAuthorizedControllerCall() throws {
        let f = try Fixture()
        #expect(!FileManager.default.fileExists(atPath: Self.dbPath(f)))
        #expect(!Self.controllerRunning(f))
        #expect(f.call("GET", "/controller/network", token: nil).status == 401)
        #expect(f.call("GET", "/controller/network", token: "wrong").status == 401)
        #expect(!FileManager.default.fileExists(atPath: Self.dbPath(f)), "an unauthorized call opened the database")
        let status = f.call("GET", "/controller")
        #expect(status.status == 200)
        #expect(status.json?["controller"]?.boolValue == true)
        #expect(FileManager.default.fileExists(atPath: Self.dbPath(f)))
        #expect(Self.controllerRunning(f))
        let id = NetworkID(rawValue: f.daemon.identity.address.rawValue << 24 | 0x0000_01)
        #expect(f.call("POST", "/controller/network/\(id)", body: #"{"name":"later"}"#).status == 200)
        #expect(f.call("GET", "/controller/network").json == .array([.string(id.description)]))
    }

    @Test func withNoDatabaseFileAMemberIsToldTheNetworkDoesNotExist() throws {
        let f = try Fixture()
        let id = NetworkID(rawValue: f.daemon.identity.address.rawValue << 24 | 0x0000_02)
        #expect(f.call("POST", "/network/\(id)").status == 200)
        #expect(Self.status(f, id, after: 20, until: "NOT_FOUND") == "NOT_FOUND")
        #expect(!FileManager.default.fileExists(atPath: Self.dbPath(f)), "a config request created the database")
        #expect(!Self.controllerRunning(f))
    }

    @Test func aNetworkAnotherProcessPutInTheDatabaseIsAnswered() throws {
        let f = try Fixture()
        let id = NetworkID(rawValue: f.daemon.identity.address.rawValue << 24 | 0x0000_03)
        // As `sixplane controller import` would: the file written by another store while the daemon's is closed.
        do {
            let other = try ControllerDatabase.open(home: f.home.path, url: nil)
            _ = try other.updateNetwork(id, create: true, now: DaemonNode.now()) { (n) throws(ControllerError) in n.name = "imported" }
        }
        #expect(f.call("POST", "/network/\(id)").status == 200)
        // Private, and this node is not a member of its own network: the controller, reading the file, refuses.
        #expect(Self.status(f, id, after: 40, until: "ACCESS_DENIED") == "ACCESS_DENIED")
        #expect(Self.controllerRunning(f))
        let dropped = try f.daemon.loop.submit { f.daemon.deferredController == nil }.wait()
        #expect(dropped, "the deferred opener is kept after the controller runs")
    }

    @Test func startupOpensOnlyADatabaseThatHoldsANetwork() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path
        func decided() throws -> String {
            switch try ControllerStartup.decide(home: home, url: nil) {
            case .none: "none"
            case .running: "running"
            case .deferred: "deferred"
            }
        }
        #expect(try decided() == "deferred")
        #expect(!FileManager.default.fileExists(atPath: ControllerDatabase.sqlitePath(home: home)))
        do { _ = try ControllerDatabase.open(home: home, url: nil) }
        #expect(try decided() == "deferred", "an empty database")
        do {
            let store = try ControllerDatabase.open(home: home, url: nil)
            _ = try store.updateNetwork(NetworkID(rawValue: 0x8056_c2e2_1c00_0004), create: true, now: 1) { _ in }
        }
        #expect(try decided() == "running")
        #expect(throws: ControllerError.self) { try ControllerStartup.decide(home: home, url: "mysql://x") }
    }
}
