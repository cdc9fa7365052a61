import Foundation
import GRDB
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON
import SixplaneLab
import SixplaneTestSupport
import Testing

/// A controller daemon killed with SIGKILL at random moments while API writes stream in: after every restart each
/// write that was acknowledged is there, the database is consistent, and the identity and joined networks are
/// intact. An extension of NamespaceNetworkTests so that the labs run one at a time.
extension NamespaceNetworkTests {
    /// A member's state as the API last told us, and a write that was in flight (unacknowledged) when it died.
    struct Expected {
        /// nil: deleted (or never created).
        var authorized: Bool?
        var inFlight: Bool??
    }

    enum CrashStore: String, CustomTestStringConvertible, CaseIterable {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    @Test(arguments: CrashStore.allCases)
    func acknowledgedWritesSurviveSIGKILL(store: CrashStore) throws {
        let lab = try Lab(sixplane: Command.sixplane, subnet: 75)
        defer { lab.teardown() }
        let host = try lab.addHost("ctl", index: 2)
        // PostgreSQL: the suite's own server, in the host's namespace, outliving each killed daemon.
        let cluster = store == .postgres ? try PostgresCluster(namespace: host.namespace) : nil
        defer { cluster?.remove() }
        let extra = try cluster.map { ["--controller-db", try $0.createDatabase()] } ?? []
        func psql(_ sql: String) -> String {
            guard let cluster else { return "" }
            let database = String(extra[1].split(separator: "/").last!)
            return Spawn.run(["/usr/bin/psql", "-h", cluster.directory, "-p", "\(cluster.port)", "-U", "postgres", "-d", database, "-tAc", sql])
                .output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try host.start(extra: extra)
        let created = host.sixplane("network", "create", "--name", "crash")
        let nwid = try #require(try? NetworkID(hex: created.output.trimmingCharacters(in: .whitespacesAndNewlines)), "\(created.output)")
        #expect(host.sixplane("join", "\(nwid)").output == "200 join OK\n")
        let identity = try String(contentsOfFile: "\(host.home)/identity.secret", encoding: .utf8)
        let joined = try String(contentsOfFile: "\(host.home)/networks.d/\(nwid).local.conf", encoding: .utf8)
        var expected: [String: Expected] = [:]
        var rng = SystemRandomNumberGenerator()
        var acknowledged = 0
        var killedMidWrite = 0
        let cycles = 50

        for cycle in 0..<cycles {
            // A stream of writes from another thread; the daemon dies at a random moment within it.
            let members = (0..<6).map { String(format: "%05x%05x", 0xc0000 + cycle, $0) }
            let log = WriteLog()
            let writer = Thread {
                var r = SystemRandomNumberGenerator()
                while !log.stopped {
                    let m = members.randomElement(using: &r)!
                    // Create-or-authorize, create-or-deauthorize, delete.
                    let op = Int.random(in: 0..<3, using: &r)
                    let path = "/controller/network/\(nwid)/member/\(m)"
                    let want: Bool? = op == 2 ? nil : op == 0
                    log.begin(m, want)
                    let reply = op == 2 ? host.api("DELETE", path, timeout: 3) : host.api("POST", path, body: #"{"authorized":\#(op == 0)}"#, timeout: 3)
                    log.end(m, acknowledged: reply.status == 200 || (op == 2 && reply.status == 404), reply: reply.body)
                }
                log.finished()
            }
            writer.start()
            usleep(UInt32.random(in: 50_000...600_000, using: &rng))
            // Stopped first so that the write in flight at the kill stays in flight (neither acknowledged nor refused).
            log.stop()
            host.kill()
            log.waitFinished()

            for (m, e) in log.results(into: expected) { expected[m] = e }
            acknowledged += log.acknowledgedCount
            if log.killedMidWrite { killedMidWrite += 1 }

            // Consistent on disk before the daemon touches it again.
            switch store {
            case .sqlite:
                let db = try DatabaseQueue(path: "\(host.home)/controller.db")
                let check = try db.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
                try db.close()
                #expect(check == "ok", "cycle \(cycle): \(check ?? "nil")")
            case .postgres:
                // Each member written whole: its indexed column agrees with its record, and no address is left
                // pointing at a member that is gone. (Rows, not pages: PostgreSQL's own WAL keeps those.)
                let torn = psql("SELECT count(*) FROM member WHERE authorized <> (data::json->>'authorized')::boolean")
                let orphans = psql("SELECT count(*) FROM member_ip i LEFT JOIN member m USING (network, address) WHERE m.address IS NULL")
                #expect(torn == "0" && orphans == "0", "cycle \(cycle): torn \(torn), orphan addresses \(orphans)")
            }
            #expect((try? String(contentsOfFile: "\(host.home)/identity.secret", encoding: .utf8)) == identity, "cycle \(cycle): identity.secret")
            #expect((try? String(contentsOfFile: "\(host.home)/networks.d/\(nwid).local.conf", encoding: .utf8)) == joined, "cycle \(cycle): networks.d")

            try host.start(extra: extra)
            #expect(host.sixplane("listnetworks").output.contains("\(nwid)"), "cycle \(cycle): the network is still joined")
            for m in members {
                let e = expected[m] ?? Expected()
                let reply = host.api("GET", "/controller/network/\(nwid)/member/\(m)")
                let found: Bool? = reply.status == 200 ? (JSON(parsing: reply.body)?["authorized"]?.boolValue ?? false) : nil
                #expect(reply.status == 200 || reply.status == 404, "cycle \(cycle) \(m): \(reply)")
                // What was acknowledged last, or the write still in flight when the daemon died.
                let allowed: [Bool?] = [e.authorized] + (e.inFlight.map { [$0] } ?? [])
                #expect(allowed.contains(found), "cycle \(cycle) \(m): found \(String(describing: found)), acknowledged \(String(describing: e.authorized)), in flight \(String(describing: e.inFlight))")
                // From here on the stored state is what the next cycle starts from.
                expected[m] = Expected(authorized: found, inFlight: nil)
            }
        }
        if store == .postgres {
            #expect(Int(psql("SELECT count(*) FROM member")) ?? 0 > 0, "the members live in PostgreSQL")
            #expect(!FileManager.default.fileExists(atPath: "\(host.home)/controller.db"), "and not in SQLite")
        }
        #expect(acknowledged >= cycles * 3, "too few writes were acknowledged to tell anything: \(acknowledged)")
        #expect(killedMidWrite >= cycles / 5, "the daemon died during a write in \(killedMidWrite) of \(cycles) cycles")
    }
}

/// The writes of one cycle, shared between the writer thread and the test.
final class WriteLog: @unchecked Sendable {
    private let lock = NSCondition()
    private var _stopped = false
    private var done = false
    private var acked: [(String, Bool?)] = []
    private var pending: (String, Bool?)?

    var stopped: Bool { lock.withLock { _stopped } }
    func stop() { lock.withLock { _stopped = true } }

    func begin(_ member: String, _ want: Bool?) { lock.withLock { pending = (member, want) } }

    func end(_ member: String, acknowledged: Bool, reply: String) {
        lock.withLock {
            guard let p = pending else { return }
            // Unanswered (the daemon died mid-call) stays pending: it may or may not have been applied.
            if acknowledged {
                acked.append(p)
                pending = nil
            } else if !_stopped {
                // Refused while the daemon was still up (it should not be): treat as not applied.
                pending = nil
            }
        }
    }

    func finished() {
        lock.withLock {
            done = true
            lock.broadcast()
        }
    }

    func waitFinished() {
        lock.withLock { while !done { lock.wait() } }
    }

    var acknowledgedCount: Int { lock.withLock { acked.count } }
    /// A write was under way when the daemon died.
    var killedMidWrite: Bool { lock.withLock { pending != nil } }

    /// Each member's last acknowledged state, and the write in flight when it died.
    func results(into prior: [String: NamespaceNetworkTests.Expected]) -> [String: NamespaceNetworkTests.Expected] {
        lock.withLock {
            var out = prior
            for (m, want) in acked { out[m] = .init(authorized: want, inFlight: nil) }
            if let (m, want) = pending { out[m, default: .init()].inFlight = .some(want) }
            return out
        }
    }
}
