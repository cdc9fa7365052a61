import ArgumentParser
import Foundation
import SixplaneCNI
import SixplaneCore
import SixplaneDaemon

/// `sixplane cni`: pods on this host's 6PLANE /80 through any CNI runtime (Kubernetes, containerd, podman).
struct CNICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cni",
        abstract: "Give pods addresses in this host's 6PLANE /80 (a CNI plugin).",
        discussion: """
            Run by a runtime with CNI_COMMAND set and no arguments, this binary is the plugin (type "sixplane"). \
            Routed like the reference ptp plugin: one veth per pod, no bridge, no NAT.
            """,
        subcommands: [Install.self, Status.self]
    )

    static func network(_ text: String) throws -> NetworkID {
        guard text.count == 16, let id = try? NetworkID(hex: text) else { throw ValidationError("--network must be 16 hex digits: \(text)") }
        return id
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Link the plugin into the runtime's plugin directory and write a conflist for a network.")
        @Option(help: "The network id.") var network: String
        @Option(help: "The CNI network name (the conflist's name).") var name = "sixplane"
        @Option(name: .customLong("conf-dir"), help: "Where the runtime reads network configurations.") var confDir = "/etc/cni/net.d"
        @Option(name: .customLong("bin-dir"), help: "Where the runtime finds plugins.") var binDir = "/opt/cni/bin"
        @Option(help: "The daemon's home folder, as the plugin will find it.") var home = ServiceOptions.defaultHome
        @Option(name: .customLong("data-dir"), help: "Where the plugin keeps the pods' addresses.") var dataDir = CNIConfig.defaultDataDir
        @Flag(help: "Copy this binary instead of linking it (from a container onto the node; the binary must be statically linked).")
        var copy = false

        func run() throws {
            var installation = CNIInstallation(network: try CNICommand.network(network))
            installation.name = name
            installation.confDir = confDir
            installation.binDir = binDir
            installation.home = home
            installation.dataDir = dataDir
            installation.copy = copy
            let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let done: [String]
            do { done = try installation.install(binary: binary) } catch { throw CLIError(error.description) }
            for line in done { Output.line(line) }
            if done.isEmpty { Output.line("already installed: \(installation.pluginPath), \(installation.confPath)") }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tell whether this host can take pods on a network (joined, /80 assigned, forwarding on).")
        @Option(help: "The network id.") var network: String
        @Option(help: "The daemon's home folder.") var home = ServiceOptions.defaultHome
        @Option(help: "The CNI network name.") var name = "sixplane"
        @Option(name: .customLong("data-dir"), help: "Where the plugin keeps the pods' addresses.") var dataDir = CNIConfig.defaultDataDir

        func run() throws {
            let id = try CNICommand.network(network)
            let forwarding = HostReadiness.forwarding
            let held = (try? PodAddressBook(dataDir: dataDir, network: name, poolSize: CNIConfig.defaultPoolSize).held().count) ?? 0
            do {
                let host = try HostReadiness.query(home: home, network: id)
                Output.line("network \(id): \(host.status), this host's /80 \(host.plane.hostPrefix)")
                Output.line("pods: \(held) held, in \(CNIPlugin.address(host.plane, index: 1)) and up")
                Output.line("IPv6 forwarding: \(forwarding ? "on" : "off (the plugin turns it on at the first ADD)")")
                Output.line("ready")
            } catch {
                Output.line("not ready: \(error.message)\(error.details.isEmpty ? "" : " (\(error.details))")")
                throw ExitCode(1)
            }
        }
    }
}
