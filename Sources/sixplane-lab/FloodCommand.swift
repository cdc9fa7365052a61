import ArgumentParser
import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneLab

/// `sixplane-lab flood`: the HELLO flood benchmark (a root relaying for two members, flooded, then a member flooded,
/// while the members ping each other); prints what the flooded daemons spent and what the members saw.
struct FloodCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flood", abstract: "HELLO floods of fresh identities at a root and a member, with the members' pings.")

    @Option(help: "HELLOs per target (half to its IPv4 address, half to its IPv6 one).")
    var count = 20_000

    @Option(help: "HELLOs per second.")
    var rate = 4_000

    @Option(help: "Source IPv4 /24s and IPv6 /48s (each).")
    var prefixes = 256

    @Option(help: "The sixplane binary (default: the one next to this program; use a release build).")
    var sixplane: String?

    func validate() throws {
        guard (1...1_000_000).contains(count), (1...1_000_000).contains(rate) else { throw ValidationError("--count and --rate must be 1 to 1000000") }
        guard (1...2048).contains(prefixes) else { throw ValidationError("--prefixes must be 1 to 2048") }
    }

    func run() throws {
        try LabSetup.requireRoot()
        let binary = try LabSetup.sixplanePath(sixplane)
        let lab = try Lab(sixplane: binary, subnet: 72)
        let signals = LabSetup.tearDownOnSignals(lab)
        defer { withExtendedLifetime(signals) { lab.teardown() } }
        var options = FloodScenario.Options()
        options.count = count
        options.rate = rate
        options.v4Prefixes = prefixes
        options.v6Prefixes = prefixes
        let scenario = FloodScenario(lab: lab, options: options)
        LabSetup.step("a root relaying for members a and b (no direct path between them), a controller, a flooding host")
        try scenario.setUp()
        var phases: [FloodScenario.Phase] = []
        for target in ["root", "a"] {
            LabSetup.step("\(count) HELLOs of fresh identities at \(target) from \(prefixes) IPv4 /24s and \(prefixes) IPv6 /48s, \(rate)/s; a pings b")
            phases.append(try scenario.flood(target))
        }
        print("\nHELLO flood, \(ProcessInfo.processInfo.activeProcessorCount) cores, \(binary)\n")
        print("target  HELLOs   s     validations (/s, budget)   validation CPU   daemon CPU   RSS before → after (anon)       a → b pings during the flood")
        for p in phases {
            let v = String(format: "%d (%.1f/s, %d/s)", p.validations, p.validationsPerSecond, p.budget)
            let memory = "\(p.memoryBefore.resident / 1024) → \(p.memoryAfter.resident / 1024) MiB (\(p.memoryBefore.anonymous / 1024) → \(p.memoryAfter.anonymous / 1024))"
            print(pad(p.target, 8) + pad("\(p.sent)", 9) + pad(String(format: "%.1f", p.seconds), 6) + pad(v, 27)
                + pad(String(format: "%.1f %% of a core", p.validationShare * 100), 17) + pad(String(format: "%.0f %%", p.daemonShare * 100), 13)
                + pad(memory, 32) + p.ping.description)
        }
        for p in phases {
            print("\(p.target) drops: " + p.drops.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }
}

/// `sixplane-lab flood-send`: the sending half, run inside a lab host's namespace (where the source addresses are).
struct FloodSendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flood-send", abstract: "Send HELLOs of fresh identities at one node (run inside a lab namespace).",
        shouldDisplay: false)

    @Option(help: "The target's underlay address, <ip>/<port>.")
    var target: String

    @Option(help: "The target's identity.public.")
    var identity = ""

    @Option(help: "The planet the HELLOs claim (optional).")
    var planet: String?

    @Option var count = 10_000
    @Option var rate = 2_000
    @Option var v4 = 256
    @Option var v6 = 256
    @Option var seed: UInt64 = 1

    @Option(help: "Only build the packets, into this file (sent later with --packets).")
    var out: String?

    @Option(help: "Send the packets of this file (made with --out) instead of building them.")
    var packets: String?

    func run() throws {
        let address = try InetAddress(parsing: target)
        let built: [[UInt8]]
        if let packets {
            built = HelloFlood.unpack(Array(try Data(contentsOf: URL(fileURLWithPath: packets))))
        } else {
            let text = try String(contentsOfFile: identity, encoding: .utf8)
            let targetIdentity = try Identity(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines))
            let world = try planet.map { try World(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: $0)))) }
            built = try HelloFlood.packets(count: count, target: targetIdentity, targetAddress: address, planet: world, seed: seed)
        }
        if let out {
            try Data(HelloFlood.pack(built)).write(to: URL(fileURLWithPath: out))
            print("built \(built.count)")
            return
        }
        let result = try HelloFlood.send(built, to: address, from: HelloFlood.sources(v4: v4, v6: v6), rate: rate)
        print(String(format: "sent %d in %.2f s, %d errors", result.sent, result.seconds, result.errors))
    }
}

/// `sixplane-lab forge`: writes Ethernet frames (hex) onto an interface, as a hostile host would into its tap.
struct ForgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forge", abstract: "Write raw Ethernet frames onto an interface (run inside a lab namespace).",
        shouldDisplay: false)

    @Option(help: "The interface (a tap).")
    var interface: String

    @Option(help: "A frame in hex; repeatable.")
    var frame: [String]

    @Option(help: "Rounds of all frames.")
    var count = 1

    @Option(help: "Milliseconds between rounds.")
    var interval = 200

    func run() throws {
        let frames = try frame.map { try Hex.decode($0) }
        var failures = 0
        for round in 0..<count {
            for f in frames where f.withUnsafeBytes({ ForgedFrames.write($0, onto: interface) }) < 0 { failures += 1 }
            if round + 1 < count { usleep(UInt32(interval) * 1000) }
        }
        print("wrote \(frames.count * count - failures) frames, \(failures) failed")
        if failures > 0 { throw ExitCode(1) }
    }
}
