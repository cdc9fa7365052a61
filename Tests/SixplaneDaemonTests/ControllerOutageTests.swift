import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneLab
import SixplaneTestSupport
import Testing

/// The controller's database hung, unreachable and locked while the controller's host relays two members' traffic:
/// the pings go on as without the fault, a member asking for its config is answered, the API answers 503 within
/// 3 s; afterwards a change made through the API reaches the members. An extension of NamespaceNetworkTests so
/// that the labs run one at a time.
extension NamespaceNetworkTests {
    /// ping's loss and count, run for `seconds` at 10 a second.
    static func pingLoss(_ from: LabHost, _ to: String, seconds: Int) -> (sent: Int, received: Int) {
        let out = from.run(["ping", "-6", "-c", String(seconds * 10), "-i", "0.1", "-W", "1", to]).output
        guard let line = out.split(separator: "\n").first(where: { $0.contains("packets transmitted") }) else { return (0, 0) }
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : (0, 0)
    }

    @Test func membersKeepTalkingWhileTheControllersDatabaseIsDown() throws {
        let lab = try Lab(sixplane: Command.sixplane, subnet: 76)
        defer { lab.teardown() }
        // The controller is also the planet's only root: the members' traffic goes through its daemon.
        let ctl = try lab.addHost("ctl", index: 2)
        let hosts = try ["a", "b", "c"].enumerated().map { try lab.addHost($0.element, index: 3 + $0.offset) }
        let (a, b, c) = (hosts[0], hosts[1], hosts[2])
        try lab.sh(Command.sixplane, "idtool", "generate", ctl.home + "/identity.secret", ctl.home + "/identity.public")
        try lab.sh(
            Command.sixplane, "mkworld", "--key", lab.directory + "/world.c25519", "--root",
            "\(ctl.home)/identity.public=\(ctl.underlayIPv4)/9993", "--out", lab.directory + "/planet")
        for h in [ctl] + hosts { try FileManager.default.copyItem(atPath: lab.directory + "/planet", toPath: h.home + "/planet") }
        let cluster = try PostgresCluster(namespace: ctl.namespace)
        defer {
            cluster.thaw()
            cluster.remove()
        }
        let url = try cluster.createDatabase()
        try ctl.start(extra: ["--controller-db", url])
        for h in hosts { try h.start() }
        for h in hosts { #expect(Self.eventually(30) { h.sixplane("info").output.hasSuffix("ONLINE\n") }, "\(h.name) online") }
        let nwid = try lab.createNetwork(members: ["a", "b", "c"])
        // a and b may not talk directly: their frames are relayed by the controller's host.
        for (x, y) in [(a, b), (b, a)] {
            for (tool, address) in [("iptables", y.underlayIPv4), ("ip6tables", "fd00:76::\(y.index)")] {
                x.run([tool, "-A", "INPUT", "-s", address, "-j", "DROP"])
                x.run([tool, "-A", "OUTPUT", "-d", address, "-j", "DROP"])
            }
        }
        let target = b.sixplane("get", "\(nwid)", "ip6plane").output.split(separator: "\n").first.map { String($0.split(separator: "/")[0]) } ?? ""
        #expect(Self.eventually(30) { Self.ping(a, target, count: 1) }, "a reaches b through the controller's host")
        let relayedBefore = Self.metric(ctl, "sixplane_relayed_total")
        let baseline = Self.pingLoss(a, target, seconds: 8)
        #expect(baseline.sent >= 70 && baseline.received > 0, "baseline \(baseline)")
        #expect(Self.metric(ctl, "sixplane_relayed_total") > relayedBefore + 50, "the pings were relayed by the controller's host")

        let database = String(url.split(separator: "/").last!)
        let port = String(cluster.port)
        var holder: pid_t?
        defer { if let holder { _ = Spawn.wait(holder) } }
        let faults: [(name: String, on: () -> Void, off: () -> Void)] = [
            ("hung (SIGSTOP)", { cluster.freeze() }, { cluster.thaw() }),
            (
                "blackholed (iptables)",
                {
                    ctl.run(["iptables", "-I", "INPUT", "-i", "lo", "-p", "tcp", "--dport", port, "-j", "DROP"])
                    ctl.run(["iptables", "-I", "INPUT", "-i", "lo", "-p", "tcp", "--sport", port, "-j", "DROP"])
                },
                {
                    ctl.run(["iptables", "-D", "INPUT", "-i", "lo", "-p", "tcp", "--dport", port, "-j", "DROP"])
                    ctl.run(["iptables", "-D", "INPUT", "-i", "lo", "-p", "tcp", "--sport", port, "-j", "DROP"])
                }
            ),
            (
                "locked (FOR UPDATE)",
                {
                    holder = try? Spawn.start(
                        [
                            "/usr/bin/psql", "-h", cluster.directory, "-p", port, "-U", "postgres", "-d", database, "-c",
                            "BEGIN; SELECT id FROM network FOR UPDATE; SELECT pg_sleep(30); COMMIT;",
                        ], output: lab.directory + "/psql.log")
                    usleep(500_000)
                },
                {}
            ),
        ]
        for (n, fault) in faults.enumerated() {
            fault.on()
            // Pings through the controller's host while the database is down.
            let pinger = PingThread { Self.pingLoss(a, target, seconds: 8) }
            pinger.start()
            // The API: 503 within 3 s for a write, whatever the database does.
            let started = Date()
            let refused = ctl.api("POST", "/controller/network/\(nwid)", body: #"{"name":"during-\#(n)"}"#, timeout: 8)
            let took = Date().timeIntervalSince(started)
            #expect(refused.status == 503, "\(fault.name): \(refused)")
            #expect(took < 3, "\(fault.name): the API took \(took) s")
            // A member asking for its config again gets an answer (the last good one).
            c.sixplane("leave", "\(nwid)")
            c.sixplane("join", "\(nwid)")
            #expect(Self.eventually(12) { c.sixplane("get", "\(nwid)", "status").output == "OK\n" }, "\(fault.name): c got its config: \(c.sixplane("listnetworks").output)")
            let during = pinger.wait()
            let lostBefore = baseline.sent - baseline.received, lostDuring = during.sent - during.received
            #expect(during.sent >= 70 && lostDuring <= lostBefore + 2, "\(fault.name): pings \(during) against \(baseline) without the fault")
            fault.off()

            // Afterwards a change made through the API reaches the members.
            let name = "after-\(n)"
            #expect(Self.eventually(35) { ctl.api("POST", "/controller/network/\(nwid)", body: #"{"name":"\#(name)"}"#).status == 200 }, "\(fault.name): the API recovers")
            for h in hosts {
                #expect(Self.eventually(20) { h.sixplane("get", "\(nwid)", "name").output == "\(name)\n" }, "\(fault.name): \(h.name) has the new name: \(h.sixplane("get", "\(nwid)", "name").output)")
            }
        }
    }
}

/// A ping run on a thread of its own.
final class PingThread: @unchecked Sendable {
    private let body: @Sendable () -> (sent: Int, received: Int)
    private let done = DispatchSemaphore(value: 0)
    private var result = (sent: 0, received: 0)
    private var thread: Thread?

    init(_ body: @escaping @Sendable () -> (sent: Int, received: Int)) { self.body = body }

    func start() {
        let t = Thread { [self] in
            result = body()
            done.signal()
        }
        thread = t
        t.start()
    }

    func wait() -> (sent: Int, received: Int) {
        done.wait()
        return result
    }
}
