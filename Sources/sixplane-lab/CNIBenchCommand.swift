import ArgumentParser
import Foundation
import SixplaneCNI
import SixplaneCore
import SixplaneDaemon
import SixplaneLab

/// The CNI plugin's figures: ADD and DEL times over many pods (the plugin run as a runtime runs it, a process per
/// call), and TCP pod to pod across hosts next to host to host in the same run. Not a test: it reports figures.
struct CNIBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-cni", abstract: "CNI ADD/DEL times over many pods, and pod-to-pod TCP across hosts next to host to host.")

    @Option(help: "Pods to add and delete.") var pods = 100
    @Option(help: "Seconds per iperf3 run.") var seconds = 8
    @Option(help: "The sixplane binary (default: the one next to this program; use a release build).") var sixplane: String?

    func validate() throws {
        guard (1...1000).contains(pods) else { throw ValidationError("--pods must be 1 to 1000") }
        guard (1...300).contains(seconds) else { throw ValidationError("--seconds must be 1 to 300") }
    }

    func run() throws {
        try LabSetup.requireRoot()
        guard Spawn.run(["iperf3", "--version"]).status == 0 else { throw ValidationError("iperf3 is missing: scripts/install-deps.sh installs it") }
        let binary = try LabSetup.sixplanePath(sixplane)
        let lab = try Lab(sixplane: binary, subnet: 80)
        let signals = LabSetup.tearDownOnSignals(lab)
        defer { withExtendedLifetime(signals) { lab.teardown() } }
        let (nwid, a, b) = try LabSetup.twoHosts(lab)
        let pa = LabCNIPlugin(host: a, network: nwid), pb = LabCNIPlugin(host: b, network: nwid)

        LabSetup.step("\(pods) pods on a: ADD each into its own network namespace, then DEL each")
        let namespaces = try (0..<pods).map { i throws(LabError) in try lab.addPodNamespace("p\(i)") }
        var adds: [Double] = [], dels: [Double] = []
        for (i, ns) in namespaces.enumerated() {
            let started = Date()
            let r = pa.add("pod\(i)", netns: ns)
            adds.append(Date().timeIntervalSince(started) * 1000)
            guard r.code == 0 else { throw LabError("ADD pod\(i): \(r.text)") }
        }
        for (i, ns) in namespaces.enumerated() {
            let started = Date()
            let r = pa.del("pod\(i)", netns: ns)
            dels.append(Date().timeIntervalSince(started) * 1000)
            guard r.code == 0 else { throw LabError("DEL pod\(i): \(r.text)") }
        }

        LabSetup.step("one pod on each host; iperf3 pod to pod and host to host")
        let qaPath = try lab.addPodNamespace("qa"), qbPath = try lab.addPodNamespace("qb")
        let qa = "\(lab.tag)-qa", qb = "\(lab.tag)-qb"
        guard pa.add("qa", netns: qaPath).code == 0, let podB = pb.add("qb", netns: qbPath).json?["ips"]?.arrayValue?.first?["address"]?.stringValue?.split(separator: "/").first
        else { throw LabError("pods for the throughput run") }
        guard let hostB = b.sixPlane(on: nwid).map({ "\($0.address)" }) else { throw LabError("b has no identity") }
        func inPod(_ ns: String, _ argv: [String]) -> Spawn.Result { Spawn.run(["ip", "netns", "exec", ns] + argv) }
        guard Lab.eventually(20, { inPod(qa, ["ping", "-6", "-c", "1", "-W", "1", String(podB)]).status == 0 }) else {
            throw LabError("pod on a cannot reach the pod on b")
        }
        _ = a.run(["ping", "-6", "-c", "5", "-i", "0.2", hostB])
        for (ns, what) in [(qb, "pod"), (b.namespace, "host")] {
            guard Spawn.run(["ip", "netns", "exec", ns, "iperf3", "-s", "-D", "-p", what == "pod" ? "5202" : "5201"]).status == 0 else {
                throw LabError("iperf3 server in the \(what)")
            }
        }
        usleep(500_000)
        var rates: [(String, Double, Int)] = []
        for (what, ns, target, port) in [("host to host", a.namespace, hostB, "5201"), ("pod to pod", qa, String(podB), "5202")] {
            LabSetup.step("\(what): iperf3 -c \(target) -t \(seconds)")
            let r = inPod(ns, ["iperf3", "-c", target, "-p", port, "-t", String(seconds), "-J"])
            guard r.status == 0, let result = BenchCommand.result(r.output) else { throw LabError("iperf3 \(what): \(r.output.suffix(300))") }
            rates.append((what, result.bitsPerSecond, result.retransmits))
        }

        print("\nCNI plugin, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(binary)\n")
        print("ADD (\(pods) pods): median \(Self.ms(Self.percentile(adds, 50))), p99 \(Self.ms(Self.percentile(adds, 99))), max \(Self.ms(adds.max() ?? 0))")
        print("DEL (\(pods) pods): median \(Self.ms(Self.percentile(dels, 50))), p99 \(Self.ms(Self.percentile(dels, 99))), max \(Self.ms(dels.max() ?? 0))")
        for (what, bps, retransmits) in rates {
            print("TCP \(what) over 6PLANE (1 stream, \(seconds) s): \(BenchCommand.rate(bps)), \(retransmits) retransmits")
        }
    }

    static func ms(_ v: Double) -> String { String(format: "%.1f ms", v) }

    /// Nearest-rank percentile.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
