import ArgumentParser
import Foundation
import SixplaneCore
import SixplaneLab

/// `sixplane-lab footprint`: the memory each kind of daemon holds once settled (root, controller with one network,
/// member of it, member of nothing), read from /proc/<pid>/status as the issue's figures are.
struct FootprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "footprint", abstract: "Resident and anonymous memory of a root, a controller, a joined member and an idle daemon.")

    @Option(help: "Seconds to let the daemons settle after the member joined (they hand back their start-up pages 30 s after starting).")
    var settle = 60.0

    @Flag(help: "Restart the daemons with releaseStartupPages false, to see what handing back the start-up pages is worth.")
    var keepStartupPages = false

    @Option(help: "The sixplane binary (default: the one next to this program; use a release build, stripped as installed).")
    var sixplane: String?

    func validate() throws {
        guard (1...600).contains(settle) else { throw ValidationError("--settle must be 1 to 600 seconds") }
    }

    func run() throws {
        try LabSetup.requireRoot()
        let binary = try LabSetup.sixplanePath(sixplane)
        let lab = try Lab(sixplane: binary, subnet: 88)
        let signals = LabSetup.tearDownOnSignals(lab)
        defer { withExtendedLifetime(signals) { lab.teardown() } }
        LabSetup.step("a root, a controller with one network, member a joined to it, daemon idle joined to nothing")
        try lab.startWorld(members: ["a", "idle"])
        // Returns once a has its config, so networks.d holds the network for the restart below.
        let network = try lab.createNetwork(members: ["a"], name: "footprint")
        // As installed: restarted with an empty local.conf (the lab's own settings watch a Docker engine and serve
        // names) and the default log level; the member rejoins from networks.d.
        let conf = keepStartupPages ? #"{"settings": {"releaseStartupPages": false}}"# : "{}"
        LabSetup.step("every daemon restarted as installed (local.conf \(conf), default log level)")
        for name in ["root", "ctl", "a", "idle"] {
            let host = lab.hosts[name]!
            host.stop()
            try (conf + "\n").write(toFile: host.home + "/local.conf", atomically: true, encoding: .utf8)
            // Its own copy of the binary, as on a machine of its own: pages that several processes map are neither
            // handed back nor one process's alone.
            let program = host.home + "/sixplane-daemon"
            try? FileManager.default.removeItem(atPath: program)
            try FileManager.default.copyItem(atPath: binary, toPath: program)
            try host.start(extra: ["--log-level", "info"], program: program)
        }
        guard Lab.eventually(30, { lab.hosts["a"]?.sixPlane(on: network) != nil }) else {
            throw LabError("a did not rejoin: \(lab.hosts["a"]?.tail() ?? "")")
        }
        Thread.sleep(forTimeInterval: settle)
        print("\nDaemon memory after \(Int(settle)) s settled, \(binary)\n")
        print(pad("daemon", 34) + pad("resident", 11) + pad("anonymous", 11) + pad("file", 11) + "threads")
        let roles = [("idle", "idle, no network joined"), ("a", "member, one network joined"), ("ctl", "controller of one network"), ("root", "root of the planet")]
        for (name, role) in roles {
            guard let status = lab.hosts[name]?.processStatus() else { throw LabError("\(name) is not running") }
            func mib(_ key: String) -> String { String(format: "%.1f MB", Double(status[key] ?? 0) * 1024 / 1e6) }
            print(pad(role, 34) + pad(mib("VmRSS"), 11) + pad(mib("RssAnon"), 11) + pad(mib("RssFile"), 11) + "\(status["Threads"] ?? 0)")
        }
    }
}
