import Foundation
import SixplaneCore
import SixplaneDaemon

/// One host of a `Lab`: a namespace, a home folder, and (while running) a `sixplane daemon`.
public final class LabHost: @unchecked Sendable {
    public unowned let lab: Lab
    public let name: String
    public let namespace: String
    public let index: Int
    public let home: String
    public private(set) var pid: pid_t?
    public var logPath: String { "\(home)/daemon.log" }
    /// Where the daemon puts DNS settings (the lab's stand-in for /etc/resolv.conf).
    public var resolvConf: String { "\(home)/resolv.conf" }
    public private(set) lazy var docker = LabDocker(host: self)
    public private(set) lazy var podman = LabPodman(host: self)
    public private(set) lazy var containerd = LabContainerd(host: self)

    init(lab: Lab, name: String, namespace: String, index: Int, home: String) {
        self.lab = lab
        self.name = name
        self.namespace = namespace
        self.index = index
        self.home = home
    }

    /// Its public underlay address: on the bridge, or its NAT router's, or on its provider's downlink.
    public internal(set) lazy var underlayIPv4: String = "\(lab.underlayPrefix).\(index)"
    /// A NATed host's own address behind its router.
    public internal(set) var privateIPv4: String?

    /// Runs a command inside the host's namespace.
    @discardableResult
    public func run(_ argv: [String]) -> Spawn.Result {
        Spawn.run(["timeout", "120", "ip", "netns", "exec", namespace] + argv)
    }

    /// Runs `sixplane <args> --home <home>` inside the namespace.
    @discardableResult
    public func sixplane(_ args: String...) -> Spawn.Result {
        run([lab.sixplane] + args + ["--home", home])
    }

    /// Starts the daemon (log appended to daemon.log) and waits until its API answers.
    /// `program` replaces the lab's sixplane binary for the daemon (the CLI calls still use the lab's).
    public func start(port: Int = 9993, extra: [String] = [], environment: [String: String] = [:], timeout: Double = 20, program: String? = nil) throws(LabError) {
        precondition(pid == nil, "\(name): daemon already running")
        unlink("\(home)/zerotier-one.port")
        // Names for the host's own Docker engine's containers; DNS settings (allowDNS=1) in the host's own file, not
        // the machine's /etc/resolv.conf, which every namespace shares.
        if !FileManager.default.fileExists(atPath: "\(home)/local.conf") { writeLocalConf() }
        let env = environment.isEmpty ? [] : ["env"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let argv = env + ["ip", "netns", "exec", namespace, program ?? lab.sixplane, "daemon", "--home", home, "--port", String(port), "--log-level", "debug"] + extra
        pid = try LabProcess.start(argv, log: logPath, what: "\(name): daemon", timeout: timeout, interval: 0.1) {
            FileManager.default.fileExists(atPath: "\(home)/zerotier-one.port") && sixplane("info").status == 0
        }
    }

    /// local.conf with the lab's settings (the host's own Docker engine and pod books, its own resolv.conf) and
    /// `extra` ones (JSON values by key).
    public func writeLocalConf(extra: [String: String] = [:]) {
        var settings = [#""dockerHost": "unix://\#(docker.socket)""#, #""cniDataDir": "\#(podman.dataDir)""#, #""resolvConf": "\#(resolvConf)""#]
        settings += extra.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }
        try? "{\"settings\": {\(settings.joined(separator: ", "))}}\n".write(toFile: "\(home)/local.conf", atomically: true, encoding: .utf8)
    }

    /// SIGTERM, then SIGKILL after `timeout` seconds; the exit status (nil if it was not running).
    @discardableResult
    public func stop(timeout: Double = 10) -> Int32? {
        guard let pid else { return nil }
        self.pid = nil
        return LabProcess.terminate(pid, timeout: timeout)
    }

    /// SIGKILL, as a crash or a power cut of the process would: nothing is flushed or cleaned up.
    public func kill() {
        guard let pid else { return }
        self.pid = nil
        Glibc.kill(pid, SIGKILL)
        _ = Spawn.wait(pid)
    }

    /// One call to the daemon's local API from inside the namespace (curl, with the home's token): the HTTP status
    /// (0 when no answer came within `timeout` seconds) and the body.
    public func api(_ method: String, _ path: String, body: String? = nil, port: Int = 9993, timeout: Double = 10) -> (status: Int, body: String) {
        let token = (try? String(contentsOfFile: "\(home)/authtoken.secret", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var argv = ["curl", "-sS", "-m", String(timeout), "-o", "-", "-w", "\n%{http_code}", "-H", "X-ZT1-Auth: \(token)", "-X", method]
        if let body { argv += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let r = run(argv + ["http://127.0.0.1:\(port)\(path)"])
        let text = r.output
        guard let split = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: split)...]) else { return (0, text) }
        return (status, String(text[..<split]))
    }

    public func tail(_ lines: Int = 40) -> String { LabProcess.tail(logPath, lines) }

    /// The node's address, from identity.public.
    public var address: String? {
        (try? String(contentsOfFile: "\(home)/identity.public", encoding: .utf8)).map { String($0.prefix(10)) }
    }

    /// The host's 6PLANE addressing on `network` (nil before it has an identity).
    public func sixPlane(on network: NetworkID) -> SixPlane? {
        address.flatMap { try? Address(hex: $0) }.map { SixPlane(network: network, node: $0) }
    }
}
