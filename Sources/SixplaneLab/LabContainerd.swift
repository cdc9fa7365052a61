import Foundation
import SixplaneDaemon

/// containerd on a lab host, for `ctr run --cni` (the same CNI library Kubernetes' CRI uses): Debian's containerd
/// started in the host's namespace with its own root, state and socket; each `ctr run` in a mount namespace of its
/// own where the host's CNI folders are bound over /etc/cni/net.d and /opt/cni/bin, the fixed paths ctr reads
/// (made empty on the machine if missing: the binds hide them only inside that namespace).
public final class LabContainerd: @unchecked Sendable {
    public unowned let host: LabHost
    public private(set) var pid: pid_t?
    private var runs: [String: pid_t] = [:]
    var base: String { host.home + "/containerd" }
    public var socket: String { base + "/containerd.sock" }
    var rootfs: String { base + "/rootfs" }
    /// containerd's namespace: runc keeps its state under /run/containerd/runc/<namespace>, shared by every
    /// containerd on the machine.
    var namespace: String { "\(host.lab.tag)-\(host.name)" }

    init(host: LabHost) { self.host = host }

    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd") && FileManager.default.isExecutableFile(atPath: "/usr/bin/ctr")
    }

    public func start(timeout: Double = 30) throws(LabError) {
        for dir in [base + "/root", base + "/state"] { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let config = """
            version = 2
            root = "\(base)/root"
            state = "\(base)/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "\(socket)"
            [ttrpc]
              address = "\(socket).ttrpc"

            """
        do { try config.write(toFile: base + "/config.toml", atomically: true, encoding: .utf8) } catch { throw LabError("\(host.name): containerd config: \(error)") }
        // A container's root: the busybox folder (ctr runs it as is, no image needed).
        try host.lab.sh("cp", "-a", try LabDocker.busyboxRoot(host.lab), rootfs)
        let argv = ["nsenter", "--net=/var/run/netns/\(host.namespace)", "containerd", "--config", base + "/config.toml"]
        pid = try LabProcess.start(argv, log: base + "/containerd.log", what: "\(host.name): containerd", timeout: timeout, interval: 0.2) {
            ctr(["version"]).status == 0
        }
    }

    @discardableResult
    public func ctr(_ args: [String]) -> Spawn.Result {
        Spawn.run(["timeout", "60", "ctr", "-a", socket, "-n", namespace] + args)
    }

    /// Starts `ctr run --cni --rm` for a container sleeping until killed; returns its IPv6 address once it has one.
    public func run(_ name: String, confDir: String, binDir: String) throws(LabError) -> String {
        let script = """
            set -e
            [ -d /etc/cni/net.d ] || mkdir -p /etc/cni/net.d
            mount --bind \(confDir) /etc/cni/net.d
            [ -d /opt/cni/bin ] || mkdir -p /opt/cni/bin
            mount --bind \(binDir) /opt/cni/bin
            exec ctr -a \(socket) -n \(namespace) run --rm --cni --env PATH=/bin --rootfs \(rootfs) \(name) /bin/sleep 100000
            """
        let argv = ["nsenter", "--net=/var/run/netns/\(host.namespace)", "unshare", "-m", "sh", "-c", script]
        let log = base + "/run-\(name).log"
        do { runs[name] = try Spawn.start(argv, output: log) } catch { throw LabError("\(host.name): ctr run \(name): \(error)") }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let address = LabContainer.globalIPv6(in: exec(name, ["/bin/ip", "-6", "-o", "addr", "show", "dev", "eth0"]).output) { return address }
            usleep(200_000)
        }
        throw LabError("\(host.name): ctr run \(name) gave no address: \(LabProcess.tail(log))")
    }

    public func exec(_ name: String, _ argv: [String]) -> Spawn.Result {
        ctr(["task", "exec", "--exec-id", "x\(UInt32.random(in: 0 ... .max))", name] + argv)
    }

    /// Kills the container; its `ctr run` then runs the CNI DEL and exits.
    public func remove(_ name: String) {
        ctr(["task", "kill", "-s", "KILL", name])
        if let pid = runs.removeValue(forKey: name), Spawn.wait(pid, timeout: 20) == nil { kill(pid, SIGKILL) }
    }

    public func stop() {
        for name in Array(runs.keys) { remove(name) }
        guard let pid else { return }
        self.pid = nil
        _ = LabProcess.terminate(pid, timeout: 10)
        _ = Spawn.run(["umount", "-R", base + "/root"])
        try? FileManager.default.removeItem(atPath: "/run/containerd/runc/\(namespace)")
    }
}
