import ArgumentParser
import Foundation
import SixplaneCore
import SixplaneLab

/// The multi-host 6PLANE backplane on one machine: hosts as network namespaces running real daemons and real Docker
/// engines. `make demo` runs `demo`; `make bench-backplane` runs `bench`.
@main
struct SixplaneLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixplane-lab",
        abstract: "A local multi-host 6PLANE backplane: a demo, its clean-up, a throughput benchmark and a HELLO flood.",
        subcommands: [DemoCommand.self, StopCommand.self, BenchCommand.self, CNIBenchCommand.self, FloodCommand.self, FloodSendCommand.self, ForgeCommand.self, LoadCommand.self, LoadSendCommand.self, LoadIdentitiesCommand.self, FootprintCommand.self],
        defaultSubcommand: DemoCommand.self
    )
}

/// What every subcommand needs: root, iproute2, and the `sixplane` binary built next to this one.
enum LabSetup {
    static func sixplanePath(_ given: String?) throws -> String {
        // Absolute: it is run from other directories and linked to from the lab's (`zerotier-cli`).
        let path = given.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent().appendingPathComponent("sixplane").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("no sixplane binary at \(path): build it first (`swift build`), or pass --sixplane PATH")
        }
        return path
    }

    static func requireRoot() throws {
        guard getuid() == 0 else { throw ValidationError("the lab makes network namespaces: run it as root") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip") else {
            throw ValidationError("iproute2 (`ip`) is missing: scripts/install-deps.sh installs it")
        }
    }

    /// Ctrl-C or SIGTERM tears the lab down before exiting (unless it is kept).
    static func tearDownOnSignals(_ lab: Lab) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signo in
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("\ninterrupted: tearing the lab down\n".utf8))
                lab.teardown()
                exit(130)
            }
            source.resume()
            return source
        }
    }

    /// The benchmarks' world: a root, a controller and hosts a, b, with a 6PLANE network between a and b.
    static func twoHosts(_ lab: Lab) throws -> (NetworkID, LabHost, LabHost) {
        step("a root, a controller and hosts a, b in namespaces; a 6PLANE network between a and b")
        try lab.startWorld(members: ["a", "b"])
        let nwid = try lab.createNetwork(members: ["a", "b"], name: "bench")
        return (nwid, lab.hosts["a"]!, lab.hosts["b"]!)
    }

    static func step(_ text: String) {
        print("==> \(text)")
        fflush(nil)
    }
}

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop and remove every lab left running (by `demo --keep` or a failed test).")

    func run() throws {
        try LabSetup.requireRoot()
        let removed = Lab.removeStale()
        print(removed.isEmpty ? "no lab left running" : "removed \(removed.joined(separator: ", "))")
    }
}

/// `text` left-aligned in a column of `width` (at least one space after it).
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
