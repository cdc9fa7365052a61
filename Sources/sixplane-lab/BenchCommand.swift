import ArgumentParser
import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneLab

/// iperf3 TCP between two lab hosts, over Sixplane (6PLANE addresses, and the network's IPv4) and over the raw
/// underlay (the veth bridge) in the same run, one and four streams, with the CPU the two daemons used. Not a test:
/// it reports figures.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "iperf3 host to host over Sixplane and over the raw underlay, with daemon CPU.")

    @Option(help: "Seconds per iperf3 run.")
    var seconds = 10

    @Option(help: "Parallel stream counts to measure.")
    var streams: [Int] = [1, 4]

    @Option(help: "The sixplane binary (default: the one next to this program; use a release build).")
    var sixplane: String?

    func validate() throws {
        guard (1...300).contains(seconds) else { throw ValidationError("--seconds must be 1 to 300") }
        guard !streams.isEmpty, streams.allSatisfy({ (1...64).contains($0) }) else { throw ValidationError("--streams must be 1 to 64") }
    }

    struct Run {
        var path: String
        var streams: Int
        var bitsPerSecond: Double
        var retransmits: Int
        var cpu: [Double]  // percent of one core, per daemon
        var machine: Double  // percent of all cores busy
    }

    func run() throws {
        try LabSetup.requireRoot()
        guard Spawn.run(["iperf3", "--version"]).status == 0 else { throw ValidationError("iperf3 is missing: scripts/install-deps.sh installs it") }
        let binary = try LabSetup.sixplanePath(sixplane)
        let lab = try Lab(sixplane: binary, subnet: 71)
        let signals = LabSetup.tearDownOnSignals(lab)
        defer { withExtendedLifetime(signals) { lab.teardown() } }
        let (nwid, a, b) = try LabSetup.twoHosts(lab)
        guard let overlay = b.sixPlane(on: nwid).map({ "\($0.address)" }) else { throw LabError("b has no identity") }
        let ipv4 = b.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !ipv4.isEmpty, ipv4.allSatisfy({ $0.isNumber || $0 == "." }) else { throw LabError("b has no IPv4 on the network: \(ipv4)") }
        guard Lab.eventually(20, { a.run(["ping", "-6", "-c", "1", "-W", "1", overlay]).status == 0 }) else {
            throw LabError("a cannot reach b over 6PLANE: \(a.tail())")
        }
        // A few more so that the direct path is up and the root no longer relays.
        _ = a.run(["ping", "-6", "-c", "5", "-i", "0.2", overlay])
        guard Lab.eventually(20, { a.run(["ping", "-c", "1", "-W", "1", ipv4]).status == 0 }) else {
            throw LabError("a cannot reach b over the network's IPv4: \(a.tail())")
        }
        let server = b.run(["iperf3", "-s", "-D"])
        guard server.status == 0 else { throw LabError("iperf3 server: \(server.output)") }
        guard Lab.eventually(5, { b.run(["sh", "-c", "ss -ltn | grep -q ':5201 '"]).status == 0 }) else { throw LabError("iperf3 server not listening") }

        let daemons = [a.pid, b.pid].compactMap { $0 }
        var runs: [Run] = []
        for count in streams {
            for (path, target) in [("underlay", b.underlayIPv4), ("sixplane", overlay), ("ipv4", ipv4)] {
                LabSetup.step("\(path): iperf3 -c \(target) -t \(seconds) -P \(count)")
                let before = daemons.map(Self.cpuTicks), machineBefore = Self.machineTicks(), started = Date()
                let r = a.run(["iperf3", "-c", target, "-t", String(seconds), "-P", String(count), "-J"])
                let elapsed = Date().timeIntervalSince(started)
                let after = daemons.map(Self.cpuTicks), machineAfter = Self.machineTicks()
                guard r.status == 0, let result = Self.result(r.output) else {
                    throw LabError("iperf3 over \(path) failed: \(r.output.suffix(400))")
                }
                let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
                let cpu = zip(before, after).map { (Double($1 - $0) / ticks) / elapsed * 100 }
                runs.append(Run(path: path, streams: count, bitsPerSecond: result.bitsPerSecond, retransmits: result.retransmits, cpu: cpu,
                        machine: Double(machineAfter.busy - machineBefore.busy) / Double(max(1, machineAfter.total - machineBefore.total)) * 100))
            }
        }
        report(runs, binary: binary)
    }

    func report(_ runs: [Run], binary: String) {
        print("\nTCP host to host (iperf3, \(seconds) s per run), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(binary)\n")
        print(
            "streams  underlay (veth)   sixplane (6PLANE)  ratio    sixplane (IPv4)   IPv4/6PLANE  retransmits (underlay, 6PLANE, IPv4)"
                + "  daemon CPU, 6PLANE / IPv4 (a, b; % of a core)  machine busy (6PLANE, IPv4)")
        for count in streams {
            guard let raw = runs.first(where: { $0.streams == count && $0.path == "underlay" }),
                let overlay = runs.first(where: { $0.streams == count && $0.path == "sixplane" }),
                let v4 = runs.first(where: { $0.streams == count && $0.path == "ipv4" })
            else { continue }
            let cpu = [overlay, v4].map { $0.cpu.map { String(format: "%.0f", $0) }.joined(separator: ", ") }.joined(separator: " / ")
            let ratio = String(format: "%.1f %%", overlay.bitsPerSecond / raw.bitsPerSecond * 100)
            let v4Ratio = String(format: "%.1f %%", v4.bitsPerSecond / overlay.bitsPerSecond * 100)
            print(
                pad("\(count)", 9) + pad(Self.rate(raw.bitsPerSecond), 18) + pad(Self.rate(overlay.bitsPerSecond), 19) + pad(ratio, 9)
                    + pad(Self.rate(v4.bitsPerSecond), 18) + pad(v4Ratio, 13)
                    + pad("\(raw.retransmits), \(overlay.retransmits), \(v4.retransmits)", 39) + pad(cpu, 47)
                    + String(format: "%.0f %%, %.0f %%", overlay.machine, v4.machine))
        }
    }

    static func rate(_ bps: Double) -> String { String(format: "%.2f Gbit/s", bps / 1e9) }

    /// The receiver's rate and the sender's TCP retransmissions from iperf3's JSON (`end.sum_received`, `end.sum_sent`).
    static func result(_ json: String) -> (bitsPerSecond: Double, retransmits: Int)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let end = object["end"] as? [String: Any], let received = end["sum_received"] as? [String: Any],
            let bps = (received["bits_per_second"] as? NSNumber)?.doubleValue
        else { return nil }
        let sent = end["sum_sent"] as? [String: Any]
        return (bps, (sent?["retransmits"] as? NSNumber)?.intValue ?? 0)
    }

    /// Busy and total clock ticks of all cores (the `cpu` line of /proc/stat; idle and iowait are not busy).
    static func machineTicks() -> (busy: Int, total: Int) {
        let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        let fields = (stat.split(separator: "\n").first ?? "").split(separator: " ").dropFirst().compactMap { Int($0) }
        guard fields.count >= 5 else { return (0, 0) }
        let total = fields.reduce(0, +)
        return (total - fields[3] - fields[4], total)
    }

    /// utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat, counted after the name).
    static func cpuTicks(_ pid: pid_t) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }
}
