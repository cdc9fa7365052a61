import Foundation
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

/// A database that does not answer costs the controller seconds, never forever: a frozen PostgreSQL server (every
/// process stopped with SIGSTOP, connections left open) and rows another session keeps locked. Members it knows get
/// their last answer, new ones none (they retry), the API 503, all within 3 s; afterwards everything recovers.
@Suite(.serialized) struct DatabaseDeadlineTests {
    typealias F = ControllerFixtures
    typealias Setup = DatabaseFaultTests

    static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = ContinuousClock.now
        let r = try body()
        let d = ContinuousClock.now - start
        return (r, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// One query through psql, its output unaligned.
    static func psql(_ cluster: PostgresCluster, _ database: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = ["-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "postgres", "-d", database, "-tAc", sql]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aFrozenServerCostsSecondsNotForever() throws {
        let cluster = try PostgresCluster()
        defer {
            cluster.thaw()
            cluster.remove()
        }
        let store = try PostgresStore(url: try cluster.createDatabase())
        let (controller, api) = try Setup.setUp(store)
        let known = SimIdentities.all[30], fresh = SimIdentities.all[33]
        #expect(Setup.isConfig(controller.answer(network: Setup.network, requester: known.publicOnly, metadata: Setup.metadata(minor: 14), now: F.now + 1)))

        cluster.freeze()
        let (during, first) = Self.timed {
            controller.answer(network: Setup.network, requester: known.publicOnly, metadata: Setup.metadata(minor: 14), now: F.now + 2)
        }
        #expect(Setup.isConfig(during), "the last state answers")
        #expect(first < 3, "took \(first) s")
        // The connection was dropped and the store backs off: the next calls fail at once.
        let (none, second) = Self.timed {
            controller.answer(network: Setup.network, requester: fresh.publicOnly, metadata: Setup.metadata(minor: 14), now: F.now + 3)
        }
        #expect(none == .none && second < 0.5, "took \(second) s")
        let (down, third) = Self.timed { api.handle(.init(method: "GET", path: "/controller/network/\(Setup.network)/member"), now: F.now + 3) }
        #expect(down.status == 503 && third < 3)
        // Past the back-off a reconnect is tried; a server that accepts and never answers still costs seconds.
        usleep(2_100_000)
        let (again, fourth) = Self.timed { api.handle(.init(method: "POST", path: "/controller/network/\(Setup.network)", body: Data(#"{"name":"x"}"#.utf8)), now: F.now + 4) }
        #expect(again.status == 503 && fourth < 3, "took \(fourth) s")

        cluster.thaw()
        var recovered = false
        for _ in 0..<100 where !recovered {
            recovered = (try? store.networkIDs()) != nil
            if !recovered { usleep(100_000) }
        }
        #expect(recovered)
        #expect(controller.answer(network: Setup.network, requester: fresh.publicOnly, metadata: Setup.metadata(minor: 14), now: F.now + 5) == .refused(.networkAccessDenied))
        #expect(api.handle(.init(method: "POST", path: "/controller/network/\(Setup.network)", body: Data(#"{"name":"after"}"#.utf8)), now: F.now + 6).status == 200)
        #expect(try store.network(Setup.network)?.name == "after")
    }

    @Test func rowsLockedByAnotherSession() throws {
        let cluster = try PostgresCluster.shared()
        let url = try cluster.createDatabase()
        let store = try PostgresStore(url: url)
        let (controller, api) = try Setup.setUp(store)
        let known = SimIdentities.all[30]
        #expect(Setup.isConfig(controller.answer(network: Setup.network, requester: known.publicOnly, metadata: Setup.metadata(minor: 14), now: F.now + 1)))

        // Another session (an admin's psql) holds the network's row FOR UPDATE for 8 s.
        let database = String(url.split(separator: "/").last!)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = [
            "-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-c",
            "BEGIN; SELECT id FROM network WHERE id = '\(Setup.network)' FOR UPDATE; SELECT pg_sleep(8); COMMIT;",
        ]
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer { holder.terminate() }
        var locked = false
        for _ in 0..<50 where !locked {
            usleep(100_000)
            let probe = try Self.psql(
                cluster, database,
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'network' AND l.mode = 'RowShareLock' AND l.pid <> pg_backend_pid()"
            )
            locked = probe.trimmingCharacters(in: .whitespacesAndNewlines) != "0"
        }
        #expect(locked, "the other session took the lock")

        // Writes to the network, and new members (their key check waits on the row), get 503 within 3 s.
        let (rename, a) = Self.timed { api.handle(.init(method: "POST", path: "/controller/network/\(Setup.network)", body: Data(#"{"name":"x"}"#.utf8)), now: F.now + 2) }
        #expect(rename.status == 503 && rename.json?["error"]?.stringValue?.contains("locked") == true, "\(rename.body)")
        #expect(a < 3, "took \(a) s")
        let newcomer = "/controller/network/\(Setup.network)/member/\(SimIdentities.all[34].address)"
        let (created, b) = Self.timed { api.handle(.init(method: "POST", path: newcomer, body: Data(#"{"authorized":true}"#.utf8)), now: F.now + 2) }
        #expect(created.status == 503 && b < 3, "\(created.status) after \(b) s")
        // A member whose record must change is answered from the last state; reads go on.
        let (answer, c) = Self.timed {
            controller.answer(network: Setup.network, requester: known.publicOnly, metadata: Setup.metadata(minor: 15), now: F.now + 3)
        }
        #expect(Setup.isConfig(answer) && c < 3)
        #expect(api.handle(.init(method: "GET", path: "/controller/network/\(Setup.network)"), now: F.now + 3).status == 200)

        holder.waitUntilExit()
        #expect(api.handle(.init(method: "POST", path: "/controller/network/\(Setup.network)", body: Data(#"{"name":"x"}"#.utf8)), now: F.now + 4).status == 200)
        #expect(api.handle(.init(method: "POST", path: newcomer, body: Data(#"{"authorized":true}"#.utf8)), now: F.now + 4).status == 200)
        #expect(Setup.isConfig(controller.answer(network: Setup.network, requester: known.publicOnly, metadata: Setup.metadata(minor: 15), now: F.now + 5)))
        #expect(try store.member(Setup.network, known.address)?.vMinor == 15)
    }
}
