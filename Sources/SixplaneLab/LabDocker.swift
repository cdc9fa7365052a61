import Foundation
import SixplaneDaemon

/// A Docker engine of a lab host: Debian's dockerd started in the host's namespace with `nsenter --net` (`ip netns
/// exec` remounts /sys and hides the cgroups), everything of its own (data root, exec root, pidfile, socket, IPv4
/// bridge range), and a busybox image imported from Debian's busybox-static (there is no registry).
public final class LabDocker: @unchecked Sendable {
    public unowned let host: LabHost
    public let socket: String
    public let configFile: String
    public private(set) var pid: pid_t?
    var dataRoot: String { host.home + "/docker" }
    var execRoot: String { "/run/\(host.lab.tag)-\(host.name)" }
    public var logPath: String { host.home + "/dockerd.log" }
    public static let image = "sixplane/busybox"

    init(host: LabHost) {
        self.host = host
        socket = host.home + "/docker.sock"
        configFile = host.home + "/daemon.json"
    }

    /// Whether this machine can run the engine at all.
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/sbin/dockerd") && FileManager.default.isExecutableFile(atPath: "/bin/busybox")
    }

    /// Starts dockerd with `daemon.json` (as `sixplane docker configure` left it) and waits for it to answer.
    public func start(timeout: Double = 60) throws(LabError) {
        if !FileManager.default.fileExists(atPath: configFile) { try? "{}\n".write(toFile: configFile, atomically: true, encoding: .utf8) }
        try? FileManager.default.createDirectory(atPath: execRoot, withIntermediateDirectories: true)
        let argv = [
            "nsenter", "--net=/var/run/netns/\(host.namespace)", "dockerd", "--config-file", configFile, "--data-root", dataRoot,
            "--exec-root", execRoot, "--pidfile", host.home + "/dockerd.pid", "-H", "unix://\(socket)",
            "--bip", "172.30.\(host.index).1/24", "--storage-driver", "vfs", "--iptables=false", "--ip-masq=false",
            "--userland-proxy=false", "--containerd-namespace", "\(host.lab.tag)-\(host.name)",
            "--containerd-plugins-namespace", "\(host.lab.tag)-\(host.name)-plugins",
        ]
        pid = try LabProcess.start(argv, log: logPath, what: "\(host.name): dockerd", timeout: timeout, interval: 0.25) {
            docker(["version", "--format", "{{.Server.Version}}"]).status == 0
        }
    }

    public func stop() {
        guard let pid else { return }
        self.pid = nil
        _ = docker(["rm", "-f"] + docker(["ps", "-aq"]).output.split(separator: "\n").map(String.init))
        LabProcess.terminate(pid, timeout: 20)
        _ = Spawn.run(["umount", "-R", dataRoot])
        try? FileManager.default.removeItem(atPath: execRoot)
    }

    @discardableResult
    public func docker(_ args: [String]) -> Spawn.Result {
        // Bounded: a wedged engine must fail a test, not hang it.
        Spawn.run(["timeout", "60", "docker", "-H", "unix://\(socket)"] + args)
    }

    /// Imports the busybox image (a folder with busybox and its applet links).
    public func importBusybox() throws(LabError) {
        let root = try Self.busyboxRoot(host.lab)
        let r = Spawn.run(["sh", "-c", "tar -C \(root) -c . | docker -H unix://\(socket) import - \(Self.image)"])
        guard r.status == 0 else { throw LabError("\(host.name): docker import failed: \(r.output)") }
    }

    /// A folder with Debian's busybox-static and its applets as relative links, made once per lab.
    static func busyboxRoot(_ lab: Lab) throws(LabError) -> String {
        let root = lab.directory + "/busybox-root"
        if !FileManager.default.fileExists(atPath: root + "/bin/busybox") {
            try? FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
            try lab.sh("cp", "/bin/busybox", root + "/bin/busybox")
            // Relative links: `busybox --install -s` would point them at this machine's path.
            for applet in Spawn.run(["/bin/busybox", "--list"]).output.split(separator: "\n") where applet != "busybox" {
                symlink("busybox", root + "/bin/" + applet)
            }
        }
        return root
    }

    /// Runs a long-lived container; returns its IPv6 address.
    public func runContainer(_ name: String) throws(LabError) -> String {
        let r = docker(["run", "-d", "--name", name, Self.image, "sleep", "100000"])
        guard r.status == 0 else { throw LabError("\(host.name): docker run \(name) failed: \(r.output)") }
        let ip = docker(["inspect", "-f", "{{.NetworkSettings.GlobalIPv6Address}}", name]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !ip.isEmpty else { throw LabError("\(host.name): container \(name) has no IPv6 address: \(docker(["inspect", name]).output.prefix(2000))") }
        return ip
    }

    public func tail(_ lines: Int = 30) -> String { LabProcess.tail(logPath, lines) }
}
