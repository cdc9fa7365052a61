import Foundation
import SixplaneCore
import SixplaneDaemon

/// A container on a lab host with an address in the host's /80: a real Docker container, or, where Docker cannot
/// run, a network namespace wired to the host the way Docker's bridge would be (a veth, a /128 route to it on the
/// host, a default route through the host in it).
public struct LabContainer: Sendable {
    public enum Kind: Sendable { case docker, namespace }
    public let name: String
    public let host: LabHost
    public let kind: Kind
    public let address: String

    /// `<host>/<name>`.
    public var label: String { "\(host.name)/\(name)" }

    /// Runs a command inside the container.
    @discardableResult
    public func run(_ argv: [String]) -> Spawn.Result {
        switch kind {
        case .docker: host.docker.docker(["exec", name] + argv)
        case .namespace: Spawn.run(["timeout", "60", "ip", "netns", "exec", namespace] + argv)
        }
    }

    var namespace: String { "\(host.namespace)-\(name)" }

    /// The first IPv6 address that is not link-local in what `ip -6 -o addr show` printed inside a container.
    static func globalIPv6(in text: String) -> String? {
        text.split(whereSeparator: \.isWhitespace).first { $0.contains(":") && $0.contains("/") && !$0.hasPrefix("fe80") }
            .map { String($0.split(separator: "/")[0]) }
    }

    /// One ping6 to `address`, tried up to `attempts` times (the first may wait for neighbor discovery and a path);
    /// the round trip in milliseconds, or nil when none was answered.
    public func ping(_ address: String, attempts: Int = 3) -> Double? {
        for _ in 0..<attempts {
            let r = run(["ping", "-6", "-c", "1", "-W", "1", address])
            guard r.status == 0 else { continue }
            // "… time=0.345 ms"
            guard let time = r.output.range(of: "time=") else { return 0 }
            return Double(r.output[time.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
        }
        return nil
    }
}

extension LabHost {
    /// A Docker container from the lab's busybox image (the engine must be running and the image imported).
    public func dockerContainer(_ name: String) throws(LabError) -> LabContainer {
        LabContainer(name: name, host: self, kind: .docker, address: try docker.runContainer(name))
    }

    /// A namespace standing in for a container at `address` (in this host's /80): `eth0` in it, `v-<name>` on the
    /// host with fe80::1 as the container's gateway. The host must forward IPv6 (`sixplane docker configure` does).
    public func namespaceContainer(_ name: String, address: String) throws(LabError) -> LabContainer {
        let container = LabContainer(name: name, host: self, kind: .namespace, address: address)
        let ns = container.namespace, port = "v-\(name)"
        try lab.addNamespace(ns)
        try lab.sh("ip", "-n", namespace, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        try lab.sh("ip", "-n", namespace, "-6", "addr", "add", "fe80::1/64", "dev", port, "nodad")
        try lab.sh("ip", "-n", namespace, "link", "set", port, "up")
        try lab.sh("ip", "-n", ns, "-6", "addr", "add", "\(address)/128", "dev", "eth0", "nodad")
        try lab.sh("ip", "-n", ns, "link", "set", "eth0", "up")
        try lab.sh("ip", "-n", ns, "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0")
        try lab.sh("ip", "-n", namespace, "-6", "route", "add", "\(address)/128", "dev", port)
        return container
    }
}
