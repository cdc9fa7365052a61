import Foundation
import SixplaneDaemon

/// A real recursive resolver on a lab host: Debian's unbound on the host's loopback, told to forward a domain to
/// some servers (`forward-zone`) or to resolve it from them as a delegated zone (`stub-zone`, following NS and glue).
/// Only the iterator module: nothing is validated, and nothing outside the domain is reachable from the lab anyway.
public final class LabUnbound: @unchecked Sendable {
    public enum Mode: String, Sendable {
        case forward = "forward-zone"
        case stub = "stub-zone"
    }

    public unowned let host: LabHost
    public let port: Int
    public private(set) var pid: pid_t?
    let directory: String

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/sbin/unbound") }

    public init(host: LabHost, port: Int) {
        self.host = host
        self.port = port
        directory = host.home + "/unbound-\(port)"
    }

    /// Starts it for `domain` (and `reverse` zones) asking `servers`; waits until it answers.
    public func start(_ mode: Mode, domain: String, reverse: [String] = [], servers: [String]) throws(LabError) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let address = mode == .forward ? "forward-addr" : "stub-addr"
        var conf = """
            server:
              interface: 127.0.0.1@\(port)
              port: \(port)
              do-daemonize: no
              username: ""
              chroot: ""
              directory: "\(directory)"
              pidfile: "\(directory)/unbound.pid"
              use-syslog: no
              logfile: ""
              verbosity: 1
              do-ip6: yes
              access-control: 127.0.0.0/8 allow
              module-config: "iterator"
              qname-minimisation: no

            """
        for zone in [domain] + reverse {
            conf += "  domain-insecure: \"\(zone)\"\n  local-zone: \"\(zone)\" nodefault\n"
        }
        conf += "remote-control:\n  control-enable: no\n"
        for zone in [domain] + reverse {
            conf += "\(mode.rawValue):\n  name: \"\(zone)\"\n" + servers.map { "  \(address): \($0)\n" }.joined()
        }
        let path = directory + "/unbound.conf"
        do { try conf.write(toFile: path, atomically: true, encoding: .utf8) } catch { throw LabError("cannot write \(path): \(error)") }
        let check = Spawn.run(["unbound-checkconf", path])
        guard check.status == 0 else { throw LabError("unbound-checkconf: \(check.output)") }
        pid = try LabProcess.start(["ip", "netns", "exec", host.namespace, "unbound", "-d", "-c", path], log: directory + "/unbound.log",
            what: "\(host.name): unbound", timeout: 15, interval: 0.2) {
            host.run(["dig", "@127.0.0.1", "-p", String(port), "+time=1", "+tries=1", "version.bind", "CH", "TXT"]).output.contains("status:")
        }
    }

    /// What `dig` asked through it prints (`+short` answers, or the whole reply).
    public func dig(_ args: String...) -> String {
        host.run(["dig", "@127.0.0.1", "-p", String(port), "+time=3", "+tries=1"] + args).output
    }

    public func stop() {
        guard let pid else { return }
        self.pid = nil
        LabProcess.terminate(pid, timeout: 5)
    }

    public func tail(_ lines: Int = 30) -> String { LabProcess.tail(directory + "/unbound.log", lines) }
}
