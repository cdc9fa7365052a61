import Foundation
import SixplaneCore
import SixplaneDaemon

/// A root under the load of N synthetic peers while it relays for two real members: root, controller, a and b
/// (their direct path blocked, so a's pings to b cross the root), and host x, whose `sixplane-lab load-send` stands
/// for the peers (each with its own identity and source address). Measures the root in steady state: resident and
/// anonymous memory per peer, CPU per second, the peers' WHOIS round trips, and a's pings to b. Shared by the load
/// test and `sixplane-lab load`.
public final class LoadScenario {
    public struct Options: Sendable {
        public var peers = 1000
        public var steadySeconds = 30.0
        public var rampLimit = 600.0
        public var whoisInterval = 60.0
        public var identities = SyntheticIdentities.defaultFile
        public init() {}
    }

    public struct Result: Sendable {
        public var report = LoadGenerator.Report()
        /// The root with only the lab's nodes as peers, and in steady state (KiB).
        public var memoryBefore = (resident: 0, anonymous: 0)
        public var memorySteady = (resident: 0, anonymous: 0)
        public var rootCPUShare = 0.0
        public var rootPeers = 0
        public var validationBudget = 0
        public var ping = PingResult(parsing: "")
        /// Drops at the root that grew during the run, by reason.
        public var drops: [String: Int] = [:]
        /// Tables past their bound at the end (none expected).
        public var overfull: [String] = []

        /// Bytes per synthetic peer.
        public var residentPerPeer: Double { Double(memorySteady.resident - memoryBefore.resident) * 1024 / Double(max(1, report.peers)) }
        public var anonymousPerPeer: Double { Double(memorySteady.anonymous - memoryBefore.anonymous) * 1024 / Double(max(1, report.peers)) }
    }

    public let lab: Lab
    public let options: Options
    public private(set) var network = NetworkID(rawValue: 0)
    let generatorHost = "x"

    public init(lab: Lab, options: Options = Options()) {
        self.lab = lab
        self.options = options
    }

    /// The world, the generator's host with its sources local and routed back to it from the root, and the
    /// identities (made here, on every core, where the file holds too few).
    public func setUp(progress: (Int) -> Void = { _ in }) throws {
        _ = try SyntheticIdentities.load(options.identities, count: options.peers, progress: progress)
        // Every synthetic peer is a stranger whose identity the root checks: let it take a whole core for that. The
        // root keeps its start-up pages, which it would otherwise hand back during the ramp and so hide tens of MB of
        // the peers' memory from the figure per peer.
        network = try lab.startRelayedPair(name: "load", rootSettings: ["identityValidationShare": "1", "releaseStartupPages": "false"])
        let x = try lab.addHost(generatorHost, index: 9)
        for argv in LoadGenerator.localRoutes {
            let r = x.run(argv)
            guard r.status == 0 else { throw LabError("\(argv.joined(separator: " ")) in x: \(r.output)") }
        }
        try lab.routeSyntheticSources(from: ["root"], to: x)
    }

    public func run() throws -> Result {
        let root = lab.hosts["root"]!, a = lab.hosts["a"]!, x = lab.hosts[generatorHost]!
        var result = Result()
        let before = root.metrics()
        result.validationBudget = before["sixplane_identity_validation_budget", default: 0]
        result.memoryBefore = root.memory() ?? (0, 0)
        let log = lab.directory + "/load-send.log"
        try? FileManager.default.removeItem(atPath: log)
        let argv = [
            "ip", "netns", "exec", x.namespace, lab.labTool, "load-send",
            "--target", "\(root.underlayIPv4)/9993", "--target", "fd00:\(lab.subnet)::\(root.index)/9993",
            "--identity", "\(root.home)/identity.public", "--planet", "\(lab.directory)/planet",
            "--peers", String(options.peers), "--identities", options.identities,
            // Just under what the root admits, so that few HELLOs wait for a second try.
            "--start-rate", String(max(1, result.validationBudget * 9 / 10)),
            "--whois-interval", String(options.whoisInterval), "--ramp-limit", String(options.rampLimit),
            "--steady", String(options.steadySeconds),
        ]
        let generator = try LabHost.spawn(argv, log: log)
        var exited: Int32?
        guard Lab.eventually(options.rampLimit + 120, {
            exited = Spawn.wait(generator, timeout: 0)
            return exited != nil || Self.line("steady", in: log) != nil
        }), exited == nil else {
            if exited == nil { kill(generator, SIGKILL); _ = Spawn.wait(generator) }
            throw LabError("load-send did not reach steady state: \(LabProcess.tail(log, 20))")
        }
        let cpuStart = root.cpuSeconds(), started = Date()
        let pingCount = max(3, Int(options.steadySeconds * 5) - 10)
        let pingLog = lab.directory + "/load-ping.log"
        let pinger = try LabHost.spawn(
            ["ip", "netns", "exec", a.namespace, "ping", "-6", "-i", "0.2", "-W", "1", "-c", String(pingCount), lab.sixPlaneAddress("b", on: network)],
            log: pingLog)
        // Memory settles once every peer is in the root's tables: taken halfway through the steady state.
        usleep(UInt32(options.steadySeconds / 2 * 1e6))
        result.memorySteady = root.memory() ?? (0, 0)
        let status = Spawn.wait(generator)
        result.rootCPUShare = (root.cpuSeconds() - cpuStart) / Date().timeIntervalSince(started)
        _ = Spawn.wait(pinger)
        result.ping = PingResult(parsing: (try? String(contentsOfFile: pingLog, encoding: .utf8)) ?? "")
        guard status == 0, let json = Self.line("report", in: log),
            let report = try? JSONDecoder().decode(LoadGenerator.Report.self, from: Data(json.utf8))
        else { throw LabError("load-send failed (\(status)): \(LabProcess.tail(log, 20))") }
        result.report = report
        let after = root.metrics()
        result.rootPeers = after["sixplane_peers", default: 0]
        result.drops = LabHost.dropsGrown(before: before, after: after)
        result.overfull = LabHost.overfullTables(after)
        return result
    }

    /// The JSON after `kind ` on the last such line of the generator's log.
    static func line(_ kind: String, in log: String) -> String? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").last { $0.hasPrefix(kind + " ") }.map { String($0.dropFirst(kind.count + 1)) }
    }
}
