import Foundation
import SixplaneDaemon

/// Podman on a lab host, with its CNI backend: Debian's podman run in the host's namespace with `nsenter --net`
/// (`ip netns exec` would remount /sys and hide the cgroups), everything of its own (storage, run root, temporary
/// folder, containers.conf with the host's own CNI configuration and plugin folders), and the busybox image imported
/// from Debian's busybox-static.
public final class LabPodman: @unchecked Sendable {
    public unowned let host: LabHost
    public static let image = "localhost/sixplane-busybox"
    /// What `sixplane cni install` is given on this host.
    public var confDir: String { host.home + "/cni/net.d" }
    public var binDir: String { host.home + "/cni/bin" }
    public var dataDir: String { host.home + "/cni/state" }
    var base: String { host.home + "/podman" }
    var configFile: String { host.home + "/containers.conf" }

    init(host: LabHost) { self.host = host }

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/podman") && FileManager.default.isExecutableFile(atPath: "/bin/busybox")
    }

    /// Writes containers.conf and imports the image.
    public func prepare() throws(LabError) {
        for dir in [base + "/root", base + "/run", base + "/tmp", confDir, binDir] {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        // Limits this sandbox lets a container set (podman's defaults raise nofile and nproc beyond them).
        let conf = """
            [containers]
            default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            tmp_dir = "\(base)/tmp"
            [network]
            network_backend = "cni"
            cni_plugin_dirs = ["\(binDir)", "/usr/lib/cni"]
            network_config_dir = "\(confDir)"

            """
        do { try conf.write(toFile: configFile, atomically: true, encoding: .utf8) } catch { throw LabError("\(host.name): containers.conf: \(error)") }
        let root = try LabDocker.busyboxRoot(host.lab)
        let r = Spawn.run(["sh", "-c", "tar -C \(root) -c . | " + command.joined(separator: " ") + " import - \(Self.image)"])
        guard r.status == 0 else { throw LabError("\(host.name): podman import failed: \(r.output)") }
    }

    var command: [String] {
        [
            "env", "CONTAINERS_CONF=\(configFile)", "nsenter", "--net=/var/run/netns/\(host.namespace)", "podman", "--root", base + "/root",
            "--runroot", base + "/run", "--storage-driver", "vfs",
        ]
    }

    @discardableResult
    public func podman(_ args: [String]) -> Spawn.Result {
        Spawn.run(["timeout", "120"] + command + args)
    }

    /// Runs a long-lived container on the CNI network `network` (and any `also`); returns its IPv6 address.
    public func run(_ name: String, network: String, also: [String] = []) throws(LabError) -> String {
        let networks = ([network] + also).flatMap { ["--network", $0] }
        let r = podman(["run", "-d", "--name", name] + networks + [Self.image, "sleep", "100000"])
        guard r.status == 0 else { throw LabError("\(host.name): podman run \(name) failed: \(r.output)") }
        // With a second network, podman may give the sixplane network eth1: look at every interface.
        let shown = podman(["exec", name, "ip", "-6", "-o", "addr", "show", "scope", "global"]).output
        guard let address = LabContainer.globalIPv6(in: shown) else { throw LabError("\(host.name): \(name) has no global IPv6 address: \(shown)") }
        return address
    }

    /// Removes every container (each one's CNI DEL runs).
    public func stop() {
        guard FileManager.default.fileExists(atPath: configFile) else { return }
        podman(["rm", "-a", "-f", "-t", "0"])
    }
}
