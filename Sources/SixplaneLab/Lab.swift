import Foundation
import SixplaneDaemon

/// A testbed of hosts on one machine: each host a network namespace with its own underlay address on a bridge (the
/// bridge lives in a namespace of its own, so nothing touches the machine's network), running a real
/// `sixplane daemon`. Used by the namespace tests and `make demo`.
///
/// Names carry the creating process id (`sxp<pid>-<host>`): a lab whose process is gone is stale and is removed by
/// the next one.
public final class Lab: @unchecked Sendable {
    public static let namePrefix = "sxp"
    public let tag: String
    public let directory: String
    public let sixplane: String
    public private(set) var hosts: [String: LabHost] = [:]
    /// Underlay subnet: 10.<subnet>.0.0/24 (and fd00:<subnet>::/64).
    public let subnet: Int
    private var namespaces: [String] = []
    /// Namespaces with a port on the bridge, and the indexes of providers' downlinks (100.64.<index>.0/24) they
    /// route to through 10.<subnet>.0.<index>.
    var bridgedNamespaces: [String] = []
    var providerIndexes: [Int] = []
    private var torndown = false
    /// Leave everything running at teardown (`sixplane-lab demo --keep`; `SIXPLANE_KEEP_LAB=1` for a failed test).
    public var keep = ProcessInfo.processInfo.environment["SIXPLANE_KEEP_LAB"] != nil

    public var switchNamespace: String { "\(tag)-sw" }

    /// A new, empty lab: stale labs removed, the switch namespace with its bridge made.
    public init(sixplane: String, subnet: Int = 66) throws(LabError) {
        self.sixplane = sixplane
        self.subnet = subnet
        tag = "\(Self.namePrefix)\(getpid() % 100_000)\(Self.nextLetter())"
        directory = "/tmp/sixplane-lab-\(tag)"
        Self.removeStale()
        Self.removeLab(tag: tag)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try addNamespace(switchNamespace)
        try sh("ip", "-n", switchNamespace, "link", "add", "br0", "type", "bridge")
        try sh("ip", "-n", switchNamespace, "link", "set", "br0", "up")
        // The bridge stands for a switch: where Docker has loaded br_netfilter, bridged frames would otherwise go
        // through iptables too (the keys exist only with that module).
        _ = Spawn.run(["ip", "netns", "exec", switchNamespace, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-ip6tables=0"])
    }

    deinit { teardown() }

    nonisolated(unsafe) private static var labsMade = 0
    private static let lock = NSLock()
    /// a, b, c…: labs of one process get distinct names.
    static func nextLetter() -> String {
        lock.withLock {
            defer { labsMade += 1 }
            return String(UnicodeScalar(UInt8(97 + labsMade % 26)))
        }
    }

    /// Labs whose process has exited (a failed run, a demo left running with `--keep`): everything running in their
    /// namespaces is killed, the namespaces deleted, their Docker mounts and folders removed. Returns their tags.
    @discardableResult
    public static func removeStale() -> [String] {
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("sixplane-lab-") }
        let runs = ((try? FileManager.default.contentsOfDirectory(atPath: "/run")) ?? []).filter { $0.hasPrefix(namePrefix) }
        let names = listNamespaces() + folders.map { String($0.dropFirst("sixplane-lab-".count)) } + runs
        var stale: Set<String> = []
        for name in names where name.hasPrefix(namePrefix) {
            let digits = name.dropFirst(namePrefix.count).prefix { $0.isNumber }
            guard let pid = Int32(digits) else { continue }
            if pid != getpid() % 100_000 && !processAlive(pid) { stale.insert(String(name.prefix { $0 != "-" })) }
        }
        for tag in stale { removeLab(tag: tag) }
        return stale.sorted()
    }

    /// Deletes a lab's namespaces (children first: container namespaces carry their host's name), then its engines'
    /// mounts and its folders.
    static func removeLab(tag: String) {
        for ns in listNamespaces().filter({ $0.hasPrefix(tag + "-") }).sorted(by: { $0.count > $1.count }) { removeNamespace(ns) }
        let directory = "/tmp/sixplane-lab-\(tag)"
        // Engines killed with their namespace leave their data root and their containers' namespace files mounted.
        unmountAll { $0.hasPrefix(directory + "/") || $0.hasPrefix("/run/\(tag)-") }
        for run in (try? FileManager.default.contentsOfDirectory(atPath: "/run")) ?? [] where run.hasPrefix(tag + "-") {
            try? FileManager.default.removeItem(atPath: "/run/\(run)")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Lazily unmounts every mount point `matching`, deepest first (from /proc/self/mountinfo; field 5 is the mount
    /// point, with spaces escaped as \\040, which lab paths never have).
    static func unmountAll(matching: (String) -> Bool) {
        let info = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let points = info.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 4 && matching(String(fields[4])) ? String(fields[4]) : nil
        }
        for point in points.reversed() { _ = Spawn.run(["umount", "-l", point]) }
    }

    static func processAlive(_ pid: Int32) -> Bool {
        // The name keeps pid % 100000; any live process with that remainder counts as alive (rare, and safe).
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
        return entries.contains { Int32($0).map { $0 % 100_000 == pid } ?? false }
    }

    static func listNamespaces() -> [String] {
        Spawn.run(["ip", "netns", "list"]).output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// Kills what runs in the namespace, then deletes it.
    static func removeNamespace(_ ns: String) {
        for _ in 0..<50 {
            let pids = Spawn.run(["ip", "netns", "pids", ns]).output.split(separator: "\n").compactMap { Int32($0) }
            if pids.isEmpty { break }
            for pid in pids { kill(pid, SIGKILL) }
            usleep(100_000)
        }
        _ = Spawn.run(["ip", "netns", "delete", ns])
    }

    public func addNamespace(_ ns: String) throws(LabError) {
        try sh("ip", "netns", "add", ns)
        namespaces.append(ns)
        try sh("ip", "-n", ns, "link", "set", "lo", "up")
    }

    /// An empty network namespace `<tag>-<name>` for a pod, as a runtime makes one; returns its path (CNI_NETNS).
    public func addPodNamespace(_ name: String) throws(LabError) -> String {
        try addNamespace("\(tag)-\(name)")
        return "/var/run/netns/\(tag)-\(name)"
    }

    /// A host: namespace `<tag>-<name>`, `eth0` at 10.<subnet>.0.<index>/24 (and fd00:<subnet>::<index>/64) on the
    /// bridge, a home folder. Its daemon is not started.
    @discardableResult
    public func addHost(_ name: String, index: Int) throws(LabError) -> LabHost {
        let ns = "\(tag)-\(name)"
        try addNamespace(ns)
        try plugIntoBridge(ns, index: index)
        try sh("ip", "-n", ns, "-6", "addr", "add", "fd00:\(subnet)::\(index)/64", "dev", "eth0", "nodad")
        return register(name, namespace: ns, index: index)
    }

    /// `eth0` of `ns` on the bridge at 10.<subnet>.0.<index>/24, with routes to the providers' downlinks.
    func plugIntoBridge(_ ns: String, index: Int) throws(LabError) {
        let port = "p\(index)"
        try sh("ip", "-n", switchNamespace, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        try sh("ip", "-n", switchNamespace, "link", "set", port, "master", "br0", "up")
        try sh("ip", "-n", ns, "addr", "add", "10.\(subnet).0.\(index)/24", "dev", "eth0")
        try sh("ip", "-n", ns, "link", "set", "eth0", "up")
        for provider in providerIndexes where provider != index {
            try sh("ip", "-n", ns, "route", "add", "100.64.\(provider).0/24", "via", "10.\(subnet).0.\(provider)")
        }
        bridgedNamespaces.append(ns)
    }

    func register(_ name: String, namespace ns: String, index: Int) -> LabHost {
        let home = "\(directory)/\(name)"
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let host = LabHost(lab: self, name: name, namespace: ns, index: index, home: home)
        hosts[name] = host
        return host
    }

    public var underlayPrefix: String { "10.\(subnet).0" }

    /// A host behind a NAT: a router namespace `<tag>-<name>-nat` sits on the bridge at 10.<subnet>.0.<index> (or,
    /// `behindProvider`, at 100.64.<index>.2 behind a provider's router there) and masquerades the host, which lives
    /// alone on 192.168.<index>.0/24 behind it.
    @discardableResult
    public func addNATHost(_ name: String, index: Int, behindProvider: Bool = false) throws(LabError) -> LabHost {
        let router = "\(tag)-\(name)-nat"
        try addNamespace(router)
        if behindProvider { try addProvider(name, index: index, customer: router) } else { try plugIntoBridge(router, index: index) }
        let ns = "\(tag)-\(name)"
        try addNamespace(ns)
        try masquerade(router, for: ns, index: index)
        let host = register(name, namespace: ns, index: index)
        if behindProvider { host.underlayIPv4 = "100.64.\(index).2" }
        host.privateIPv4 = "192.168.\(index).2"
        return host
    }

    /// Makes `router` (already on its uplink `eth0`) masquerade the host namespace `ns` on 192.168.<index>.0/24.
    func masquerade(_ router: String, for ns: String, index: Int) throws(LabError) {
        try sh("ip", "-n", router, "link", "add", "in0", "type", "veth", "peer", "name", "eth0", "netns", ns)
        try sh("ip", "-n", router, "addr", "add", "192.168.\(index).1/24", "dev", "in0")
        try sh("ip", "-n", router, "link", "set", "in0", "up")
        try sh("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        try sh("ip", "netns", "exec", router, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "eth0", "-j", "MASQUERADE")
        try sh("ip", "-n", ns, "addr", "add", "192.168.\(index).2/24", "dev", "eth0")
        try sh("ip", "-n", ns, "link", "set", "eth0", "up")
        try sh("ip", "-n", ns, "route", "add", "default", "via", "192.168.\(index).1")
    }

    /// Random loss of the host's incoming underlay datagrams (iptables `statistic`; this kernel lacks netem),
    /// e.g. 0.05; nil removes it.
    public func loss(_ host: LabHost, _ probability: Double?) throws(LabError) {
        let rule = ["-p", "udp", "-i", "eth0", "-m", "statistic", "--mode", "random", "--probability"]
        _ = Spawn.run(["ip", "netns", "exec", host.namespace, "iptables", "-F", "INPUT"])
        guard let probability else { return }
        let r = Spawn.run(["ip", "netns", "exec", host.namespace, "iptables", "-A", "INPUT"] + rule + [String(probability), "-j", "DROP"])
        guard r.status == 0 else { throw LabError("iptables loss on \(host.name): \(r.output)") }
    }

    /// Stops every daemon (SIGTERM, then SIGKILL) and deletes the namespaces. Safe to call twice.
    public func teardown() {
        guard !torndown else { return }
        // For looking at it: the lab stays up (the next lab, or `sixplane-lab stop`, removes it).
        if keep { return }
        torndown = true
        for host in hosts.values {
            host.podman.stop()
            host.containerd.stop()
            host.docker.stop()
            host.stop(timeout: 5)
        }
        for ns in namespaces.reversed() { Self.removeNamespace(ns) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a command that must succeed.
    public func sh(_ argv: String...) throws(LabError) {
        let r = Spawn.run(argv)
        guard r.status == 0 else { throw LabError("\(argv.joined(separator: " ")) failed (\(r.status)): \(r.output)") }
    }
}

public struct LabError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
