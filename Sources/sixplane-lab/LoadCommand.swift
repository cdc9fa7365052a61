import ArgumentParser
import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneLab

/// `sixplane-lab load-identities`: makes (or tops up) the file of synthetic peers' identities that `load` reads, so
/// that the hour 100,000 of them take is spent once, ahead of the benchmark.
struct LoadIdentitiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-identities", abstract: "Make identities for the load benchmark's synthetic peers, ahead of it.")

    @Option(help: "How many the file should hold.")
    var count: Int

    @Option(help: "The file (one address:0:public:secret line each).")
    var file = SyntheticIdentities.defaultFile

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be 1 to 1000000") }
    }

    func run() throws {
        let started = Date()
        var last = started
        let ids = try SyntheticIdentities.load(file, count: count) { n in
            guard Date().timeIntervalSince(last) >= 10 else { return }
            last = Date()
            print(String(format: "%d identities (%.0f s)", n, last.timeIntervalSince(started)))
        }
        print(String(format: "%d identities in %@ (%.0f s)", ids.count, file, Date().timeIntervalSince(started)))
    }
}

/// `sixplane-lab load-send`: the synthetic peers themselves, aimed at any root (ours or ZeroTier's) from the
/// namespace this runs in. Their source addresses (`LoadGenerator.source`) must be local here (`--routes` adds the
/// local routes) and routed back to here by the root's host. Prints a `progress` JSON line every 2 s, `steady` when
/// every peer was answered (or the ramp ran out), and `report` at the end.
struct LoadSendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-send", abstract: "Synthetic peers that HELLO a root, keep their paths alive and WHOIS each other.")

    @Option(help: "The root's underlay address, <ip>/<port>; one IPv4 and one IPv6 (peers use the family of their source).")
    var target: [String]

    @Option(help: "The root's identity.public.")
    var identity: String

    @Option(help: "The planet the peers claim in their HELLOs (optional).")
    var planet: String?

    @Option(help: "How many peers.")
    var peers = 1000

    @Option(help: "The identities file (made on every core where it holds too few).")
    var identities = SyntheticIdentities.defaultFile

    @Option(help: "First HELLOs per second (match the root's identity validations per second).")
    var startRate = 200

    @Option(help: "Seconds between one peer's WHOIS lookups (0 for none).")
    var whoisInterval = 60.0

    @Option(help: "Seconds to wait for every peer to be answered.")
    var rampLimit = 600.0

    @Option(help: "Seconds of steady state after that.")
    var steady = 60.0

    @Flag(help: "Add the local routes for the peers' source addresses first.")
    var routes = false

    func validate() throws {
        guard (1...1_000_000).contains(peers) else { throw ValidationError("--peers must be 1 to 1000000") }
        guard (1...100_000).contains(startRate) else { throw ValidationError("--start-rate must be 1 to 100000") }
        guard whoisInterval >= 0, rampLimit > 0, steady >= 0 else { throw ValidationError("--whois-interval, --ramp-limit and --steady must be positive") }
        guard (1...2).contains(target.count) else { throw ValidationError("give one or two --target") }
    }

    func run() throws {
        if routes {
            for argv in LoadGenerator.localRoutes {
                let r = Spawn.run(argv)
                guard r.status == 0 else { throw ValidationError("\(argv.joined(separator: " ")): \(r.output)") }
            }
        }
        let rootAddresses = try target.map { try InetAddress(parsing: $0) }
        let text = try String(contentsOfFile: identity, encoding: .utf8)
        let root = try Identity(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines))
        let world = try planet.map { try World(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: $0)))) }
        let ids = try SyntheticIdentities.load(identities, count: peers)
        var options = SyntheticPeers.Options()
        options.startRate = startRate
        options.whoisInterval = Int64(whoisInterval * 1e6)
        let synthetic = try SyntheticPeers(
            identities: ids, sources: (0..<ids.count).map(LoadGenerator.source), root: root, rootAddresses: rootAddresses,
            planet: world, start: LoadGenerator.monotonic(), options: options)
        let generator = try LoadGenerator(peers: synthetic)
        let report = generator.run(
            rampLimit: rampLimit, steadySeconds: steady, steady: { Self.emit("steady", $0) }, progress: { Self.emit("progress", $0) })
        Self.emit("report", report)
    }

    static func emit(_ kind: String, _ report: LoadGenerator.Report) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        print("\(kind) \(json)")
        fflush(nil)
    }
}

/// `sixplane-lab load`: the load benchmark. A root relaying for members a and b carries N synthetic peers (from
/// host x, `load-send`); prints the root's memory per peer, CPU in steady state, the WHOIS round trips, and a's pings
/// to b meanwhile.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "A root carrying N synthetic peers while it relays for two members: memory, CPU, WHOIS times.")

    @Option(help: "Synthetic peers.")
    var peers = 10_000

    @Option(help: "Seconds of steady state (every peer answered) to measure.")
    var steady = 60.0

    @Option(help: "Seconds between one peer's WHOIS lookups.")
    var whoisInterval = 60.0

    @Option(help: "The identities file (topped up on every core first: 100,000 take about an hour).")
    var identities = SyntheticIdentities.defaultFile

    @Option(help: "Seconds to wait for every peer to be answered (default: 600, or peers/50 if more).")
    var rampLimit: Double?

    @Option(help: "The sixplane binary (default: the one next to this program; use a release build).")
    var sixplane: String?

    func validate() throws {
        guard (1...200_000).contains(peers) else { throw ValidationError("--peers must be 1 to 200000") }
        guard steady >= 10, whoisInterval > 0 else { throw ValidationError("--steady must be at least 10 s and --whois-interval positive") }
    }

    func run() throws {
        try LabSetup.requireRoot()
        let binary = try LabSetup.sixplanePath(sixplane)
        let lab = try Lab(sixplane: binary, subnet: 87)
        let signals = LabSetup.tearDownOnSignals(lab)
        defer { withExtendedLifetime(signals) { lab.teardown() } }
        var options = LoadScenario.Options()
        options.peers = peers
        options.steadySeconds = steady
        options.whoisInterval = whoisInterval
        options.identities = identities
        options.rampLimit = rampLimit ?? max(600, Double(peers) / 50)
        let scenario = LoadScenario(lab: lab, options: options)
        LabSetup.step("\(peers) identities for the synthetic peers (\(identities))")
        LabSetup.step("a root relaying for members a and b (no direct path between them), a controller, host x for the peers")
        var last = Date()
        try scenario.setUp { n in
            if Date().timeIntervalSince(last) > 10 {
                last = Date()
                print("  \(n) identities")
            }
        }
        LabSetup.step("\(peers) peers HELLO the root, then keep their paths alive and WHOIS each other (each every \(Int(whoisInterval)) s) for \(Int(steady)) s; a pings b")
        let r = try scenario.run()
        let g = r.report
        print("\nroot under load, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(binary)\n")
        print("peers answered / alive:    \(g.answered) / \(g.alive) of \(g.peers) in \(String(format: "%.0f", g.rampSeconds)) s (validation budget \(r.validationBudget)/s); root knows \(r.rootPeers) peers")
        print("root memory:               RSS \(r.memoryBefore.resident / 1024) → \(r.memorySteady.resident / 1024) MiB (anonymous \(r.memoryBefore.anonymous / 1024) → \(r.memorySteady.anonymous / 1024)): \(String(format: "%.0f", r.residentPerPeer)) B resident, \(String(format: "%.0f", r.anonymousPerPeer)) B anonymous per peer")
        print("root CPU in steady state:  \(String(format: "%.1f", r.rootCPUShare * 100)) % of a core over \(String(format: "%.0f", g.steadySeconds)) s")
        let p50 = g.whoisP50Microseconds.map { String(format: "%.2f", Double($0) / 1000) } ?? "-"
        let p99 = g.whoisP99Microseconds.map { String(format: "%.2f", Double($0) / 1000) } ?? "-"
        print("WHOIS:                     \(g.whoisAnswers) answered of \(g.whoisSent) (\(g.whoisWrong) wrong, \(g.whoisLost) lost), p50 \(p50) ms, p99 \(p99) ms")
        print("keepalives:                \(g.echoAnswers) of \(g.echoesSent) ECHOs, \(g.helloAnswers) of \(g.hellosSent) HELLOs answered, \(g.rootHellos) of the root's HELLOs answered; \(g.sendErrors) send errors")
        print("not answers:               \(g.errors) ERRORs, \(g.other) other, \(g.unknownDestination) for no peer, \(g.badMAC) failed MAC, \(g.malformed) malformed, \(g.wrongAddress) to another address")
        print("a → b through the root:    \(r.ping)")
        print("generator CPU:             \(String(format: "%.1f", g.generatorCPUSeconds)) s")
        print("root drops:                " + (r.drops.isEmpty ? "none" : r.drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if !r.overfull.isEmpty { print("tables past their bound:   \(r.overfull.joined(separator: ", "))") }
    }
}
