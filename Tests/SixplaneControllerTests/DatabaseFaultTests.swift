import Foundation
import GRDB
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

/// The database going away and coming back: requests are served from the last state or fail clearly (no answer,
/// HTTP 503), nothing is corrupted, and everything recovers.
@Suite struct DatabaseFaultTests {
    typealias F = ControllerFixtures

    static let network = F.networkID(0xfa1)

    static func setUp(_ store: ControllerStore) throws -> (Controller, ControllerAPI) {
        let controller = Controller(identity: F.controller, store: store)
        let api = ControllerAPI(controller: controller)
        let r = api.handle(.init(method: "POST", path: "/controller/network/\(network)", body: Data(CapturedNetwork.fields.utf8)), now: F.now)
        #expect(r.status == 200)
        for i in 30..<32 {
            let path = "/controller/network/\(network)/member/\(SimIdentities.all[i].address)"
            #expect(api.handle(.init(method: "POST", path: path, body: Data("{\"authorized\":true}".utf8)), now: F.now).status == 200)
        }
        return (controller, api)
    }

    enum CapturedNetwork {
        static let fields = #"{"v4AssignMode":{"zt":true},"v6AssignMode":{"6plane":true},"routes":[{"target":"10.5.0.0/24"}],"ipAssignmentPools":[{"ipRangeStart":"10.5.0.1","ipRangeEnd":"10.5.0.99"}]}"#
    }

    static func metadata(minor: UInt64) -> ConfigDictionary {
        var d = ConfigDictionary()
        for k in CapturedConfigs.metadata.keys where k != "minv" { d.append(k, CapturedConfigs.metadata[k]!) }
        d.append("minv", integer: minor)
        return d
    }

    static func isConfig(_ a: Controller.Answer) -> Bool {
        if case .config = a { true } else { false }
    }

    /// Another process holds SQLite's write lock (as an admin's open transaction would): reads go on, a member
    /// whose record must change is served from the last state, a new member gets no answer, API writes get 503;
    /// then all recovers.
    @Test func sqliteLockedByAnotherProcess() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("controller.db")
        let store = try SQLiteStore(path: path, busyTimeout: 0.05)
        let (controller, api) = try Self.setUp(store)
        let known = SimIdentities.all[30], fresh = SimIdentities.all[33]
        let first = controller.answer(network: Self.network, requester: known.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 1)
        #expect(Self.isConfig(first))

        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let blocker = try DatabaseQueue(path: path, configuration: config)
        try blocker.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "UPDATE network SET revision = revision WHERE id = ?", arguments: [Self.network.description])
        }
        // The version changed, so the record must be written: it cannot be, so the last state answers.
        let during = controller.answer(network: Self.network, requester: known.publicOnly, metadata: Self.metadata(minor: 15), now: F.now + 2)
        #expect(Self.isConfig(during))
        #expect(controller.answer(network: Self.network, requester: fresh.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 3) == .none)
        let refused = api.handle(.init(method: "POST", path: "/controller/network/\(Self.network)", body: Data("{\"name\":\"x\"}".utf8)), now: F.now + 3)
        #expect(refused.status == 503 && refused.json?["error"]?.stringValue?.contains("locked") == true)
        #expect(api.handle(.init(method: "GET", path: "/controller/network/\(Self.network)"), now: F.now + 3).status == 200)

        try blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        try blocker.close()
        #expect(controller.answer(network: Self.network, requester: fresh.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 4) == .refused(.networkAccessDenied))
        #expect(try store.member(Self.network, fresh.address)?.identity == fresh.publicOnly.description)
        #expect(try store.member(Self.network, known.address)?.vMinor == 14)
        #expect(Self.isConfig(controller.answer(network: Self.network, requester: known.publicOnly, metadata: Self.metadata(minor: 15), now: F.now + 5)))
        #expect(try store.member(Self.network, known.address)?.vMinor == 15)
        let check = try DatabaseQueue(path: path)
        #expect(try check.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        #expect(controller.failures == 1)
    }

    /// The PostgreSQL server stops (as when its host goes down) and starts again.
    @Test func postgresServerStopsAndStarts() throws {
        let cluster = try PostgresCluster()
        defer { cluster.remove() }
        let store = try PostgresStore(url: try cluster.createDatabase())
        let (controller, api) = try Self.setUp(store)
        let known = SimIdentities.all[30], second = SimIdentities.all[31], fresh = SimIdentities.all[33]
        let before = controller.answer(network: Self.network, requester: known.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 1)
        guard case .config(let config) = before else {
            Issue.record("no config before the outage")
            return
        }
        _ = controller.answer(network: Self.network, requester: second.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 1)
        _ = store.takeExternalChanges()

        cluster.stop()
        // Served from the last state, same addresses.
        guard case .config(let during) = controller.answer(network: Self.network, requester: known.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 2) else {
            Issue.record("the last state did not answer")
            return
        }
        #expect(during.staticIPs == config.staticIPs)
        #expect(controller.answer(network: Self.network, requester: fresh.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 3) == .none)
        let down = api.handle(.init(method: "GET", path: "/controller/network/\(Self.network)/member"), now: F.now + 3)
        #expect(down.status == 503 && down.json?["error"]?.stringValue?.isEmpty == false)

        try cluster.restart()
        // The store reconnects on its own (after a short back-off from the failed attempts).
        var recovered = false
        for _ in 0..<50 where !recovered {
            recovered = (try? store.networkIDs()) != nil
            if !recovered { usleep(100_000) }
        }
        #expect(recovered)
        #expect(Self.isConfig(controller.answer(network: Self.network, requester: known.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 4)))
        // Notifications may have been missed while disconnected: the store says so.
        #expect(store.takeExternalChanges() == [.unknown])
        #expect(controller.answer(network: Self.network, requester: fresh.publicOnly, metadata: Self.metadata(minor: 14), now: F.now + 5) == .refused(.networkAccessDenied))
        #expect(try store.memberCounts(Self.network) == (3, 2))
        let reopened = try PostgresStore(url: cluster.url(database: store.location.database))
        let assigned = try #require(try store.member(Self.network, known.address)?.ipAssignments)
        let reread = try reopened.member(Self.network, known.address)?.ipAssignments
        #expect(!assigned.isEmpty && reread == assigned)
    }
}
