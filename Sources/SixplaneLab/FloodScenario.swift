import Foundation
import SixplaneCore
import SixplaneDaemon

/// A HELLO flood at a running backplane: a root relaying for members a and b (whose direct path is blocked, so
/// every frame between them crosses the root), flooded from 256 IPv4 /24s and 256 IPv6 /48s with HELLOs of fresh
/// identities, first at the root and then at member a, while a pings b over 6PLANE. Measures, per phase, what the
/// flooded daemon spent (identity validations and their CPU, the whole daemon's CPU, memory) and what the members
/// saw (ping loss and round trips). Shared by the flood test and `sixplane-lab flood`.
public final class FloodScenario {
    public struct Options: Sendable {
        public var count = 10_000
        public var rate = 2_000
        public var v4Prefixes = 256
        public var v6Prefixes = 256
        public init() {}
    }

    public struct Phase: Sendable {
        public var target: String
        public var sent = 0
        public var seconds = 0.0
        public var validations = 0
        public var validationCPU = 0.0
        public var daemonCPU = 0.0
        public var budget = 0
        public var memoryBefore = (resident: 0, anonymous: 0)
        public var memoryAfter = (resident: 0, anonymous: 0)
        public var ping = PingResult(parsing: "")
        /// Drops that grew during the phase, by reason.
        public var drops: [String: Int] = [:]
        /// Tables past their bound at the end (none expected).
        public var overfull: [String] = []
        public var peersAfter = 0

        public var validationsPerSecond: Double { Double(validations) / max(seconds, 0.001) }
        /// Share of one core spent validating strangers' identities.
        public var validationShare: Double { validationCPU / max(seconds, 0.001) }
        public var daemonShare: Double { daemonCPU / max(seconds, 0.001) }
    }

    public let lab: Lab
    public let options: Options
    public private(set) var network = NetworkID(rawValue: 0)
    let flooder = "x"

    public init(lab: Lab, options: Options = Options()) {
        self.lab = lab
        self.options = options
    }

    /// Root, controller, a and b with a network between a and b through the root; a flooding host with its sources.
    public func setUp() throws {
        network = try lab.startRelayedPair(name: "flood")
        let x = try lab.addHost(flooder, index: 9)
        var batch = ""
        for source in HelloFlood.sources(v4: options.v4Prefixes, v6: options.v6Prefixes) {
            switch source {
            case .ipv4(let ip, _): batch += "addr add \(ip)/32 dev eth0\n"
            case .ipv6(let ip, _): batch += "addr add \(ip)/128 dev eth0 nodad\n"
            default: continue
            }
        }
        let batchPath = lab.directory + "/flood-addresses"
        try batch.write(toFile: batchPath, atomically: true, encoding: .utf8)
        try lab.sh("ip", "-n", x.namespace, "-batch", batchPath)
        try lab.routeSyntheticSources(from: ["root", "a"], to: x)
    }

    var bAddress: String { lab.sixPlaneAddress("b", on: network) }

    /// Floods `target` (half the HELLOs to its IPv4 address, half to its IPv6 one) while a pings b.
    public func flood(_ targetName: String) throws -> Phase {
        let target = lab.hosts[targetName]!, a = lab.hosts["a"]!, x = lab.hosts[flooder]!
        var phase = Phase(target: targetName)
        // The packets are built first (that takes longer than sending them), then sent while a pings b.
        let halves = [("\(target.underlayIPv4)/9993", options.count / 2), ("fd00:\(lab.subnet)::\(target.index)/9993", options.count - options.count / 2)]
        for (i, (address, share)) in halves.enumerated() {
            let r = x.run([
                lab.labTool, "flood-send", "--target", address, "--identity", "\(target.home)/identity.public",
                "--planet", "\(lab.directory)/planet", "--count", String(share), "--seed", String(i + 1),
                "--out", "\(lab.directory)/flood-\(targetName)-\(i)",
            ])
            guard r.status == 0 else { throw LabError("flood-send --out for \(address): \(r.output.suffix(400))") }
        }
        let pingCount = Int(Double(options.count) / Double(options.rate) * 5) + 10
        let pingLog = lab.directory + "/ping-\(targetName).log"
        let pinger = try LabHost.spawn(["ip", "netns", "exec", a.namespace, "ping", "-6", "-i", "0.2", "-W", "1", "-c", String(pingCount), bAddress], log: pingLog)
        usleep(500_000)
        let before = target.metrics()
        phase.memoryBefore = target.memory() ?? (0, 0)
        let cpuBefore = target.cpuSeconds()
        let started = Date()
        var sent = 0
        for (i, (address, _)) in halves.enumerated() {
            let r = x.run([
                lab.labTool, "flood-send", "--target", address, "--packets", "\(lab.directory)/flood-\(targetName)-\(i)",
                "--rate", String(options.rate), "--v4", String(options.v4Prefixes), "--v6", String(options.v6Prefixes),
            ])
            guard r.status == 0, let n = Int(r.output.split(separator: "\n").last { $0.hasPrefix("sent ") }?.split(separator: " ")[1] ?? "") else {
                _ = Spawn.wait(pinger)
                throw LabError("flood-send at \(address): \(r.output.suffix(400))")
            }
            sent += n
        }
        // Validations already admitted finish within a second.
        usleep(1_000_000)
        phase.seconds = Date().timeIntervalSince(started)
        phase.daemonCPU = target.cpuSeconds() - cpuBefore
        phase.memoryAfter = target.memory() ?? (0, 0)
        _ = Spawn.wait(pinger)
        phase.ping = PingResult(parsing: (try? String(contentsOfFile: pingLog, encoding: .utf8)) ?? "")
        let after = target.metrics()
        phase.sent = sent
        phase.validations = after["sixplane_identity_validations_total{result=\"all\"}", default: 0] - before["sixplane_identity_validations_total{result=\"all\"}", default: 0]
        phase.validationCPU = Double(after["sixplane_identity_validation_cpu_microseconds_total", default: 0] - before["sixplane_identity_validation_cpu_microseconds_total", default: 0]) / 1e6
        phase.budget = after["sixplane_identity_validation_budget", default: 0]
        phase.drops = LabHost.dropsGrown(before: before, after: after)
        phase.overfull = LabHost.overfullTables(after)
        phase.peersAfter = after["sixplane_peers", default: 0]
        return phase
    }
}

extension LabHost {
    /// Starts a helper process with its output in `log`.
    static func spawn(_ argv: [String], log: String) throws(LabError) -> pid_t {
        do { return try Spawn.start(argv, output: log) } catch { throw LabError(error.description) }
    }
}

extension Lab {
    /// Root (with `rootSettings` in its local.conf), controller, and members a and b on a new network `name`, where
    /// a and b never reach each other directly, so that every frame between them crosses the root. Returns once a
    /// reaches b over 6PLANE.
    public func startRelayedPair(name: String, rootSettings: [String: String] = [:]) throws -> NetworkID {
        try startWorld(members: ["a", "b"], rootSettings: rootSettings)
        let a = hosts["a"]!, b = hosts["b"]!
        for (from, other) in [(a, b), (b, a)] {
            let r = from.run(["iptables", "-A", "INPUT", "-p", "udp", "-s", other.underlayIPv4, "-j", "DROP"])
            guard r.status == 0 else { throw LabError("iptables on \(from.name): \(r.output)") }
        }
        let network = try createNetwork(members: ["a", "b"], name: name)
        let bAddress = sixPlaneAddress("b", on: network)
        guard Lab.eventually(20, { a.run(["ping", "-6", "-c", "1", "-W", "1", bAddress]).status == 0 }) else {
            throw LabError("a cannot reach b through the root: \(a.tail())")
        }
        return network
    }

    /// Routes from `targets` back to `host` for the synthetic sources (172.16.0.0/12 and fd99::/16) that the flood
    /// and the load generator send from.
    public func routeSyntheticSources(from targets: [String], to host: LabHost) throws(LabError) {
        for target in targets {
            let t = hosts[target]!
            try sh("ip", "-n", t.namespace, "route", "replace", "172.16.0.0/12", "via", host.underlayIPv4)
            try sh("ip", "-n", t.namespace, "-6", "route", "replace", "fd99::/16", "via", "fd00:\(subnet)::\(host.index)")
        }
    }

    /// A member's 6PLANE address on `network` ("" if it has none yet).
    func sixPlaneAddress(_ host: String, on network: NetworkID) -> String {
        hosts[host]?.sixPlane(on: network).map { "\($0.address)" } ?? ""
    }

    /// The `sixplane-lab` binary next to `sixplane` (the flood sender and the forger run in host namespaces).
    public var labTool: String {
        URL(fileURLWithPath: sixplane).deletingLastPathComponent().appendingPathComponent("sixplane-lab").path
    }
}
