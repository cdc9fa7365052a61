import Crypto
import Foundation
import SixplaneCore
import SixplaneDaemon

/// One pod's link, routed like the reference `ptp` plugin: a veth pair, no bridge, no NAT. The pod's end carries its
/// /128 and a default route via the host's end (fe80::1, the same on every host end); the host's end carries a /128
/// route to the pod. No duplicate address detection on either end (the addresses are ours to give), so the pod can
/// talk the moment ADD returns. Done with iproute2's batch mode: one process per side, and one for the route.
public struct PodLink: Sendable {
    public static let gateway = "fe80::1"
    static let podLinkLocal = "fe80::2"

    public let holder: PodAddressBook.Holder
    /// The host's end: `sx` and 12 hex digits of a hash of the container id and interface name, so that DEL and GC
    /// find it from the attachment alone.
    public let hostName: String
    public let hostMAC: String
    public let podMAC: String

    public init(_ holder: PodAddressBook.Holder) {
        self.holder = holder
        let digest = Array(SHA256.hash(data: Data("\(holder.containerID)\u{0}\(holder.ifname)".utf8)))
        hostName = "sx" + Hex.encode(digest.prefix(6))
        // Locally administered, unicast.
        hostMAC = MAC(bytes: [0x02] + digest[6..<11]).description
        podMAC = MAC(bytes: [0x06] + digest[11..<16]).description
    }

    /// Whether a host interface name is one of ours.
    public static func isOurs(_ name: String) -> Bool {
        name.count == 14 && name.hasPrefix("sx") && name.dropFirst(2).allSatisfy(\.isHexDigit)
    }

    /// Our host ends among the interfaces `ip -o link show` lists.
    public static func ours(inLinkList text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", maxSplits: 2)
            guard fields.count == 3 else { return nil }
            let name = fields[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first.map(String.init) ?? ""
            return isOurs(name) ? name : nil
        }
    }

    /// Makes the pair, moves the pod's end into `netns`, addresses both and routes `address` to the pod.
    public func create(netns: String, address: IPv6Address, mtu: Int) throws(CNIError) {
        try Self.ip(
            [
                "link add \(hostName) mtu \(mtu) address \(hostMAC) type veth peer name \(holder.ifname) mtu \(mtu) address \(podMAC) netns \(netns)",
                "link set \(hostName) addrgenmode none",
                "link set \(hostName) up",
                "addr add \(Self.gateway)/64 dev \(hostName) nodad",
            ], what: "host end")
        try Self.ip(
            [
                "link set lo up",
                "link set \(holder.ifname) addrgenmode none",
                "link set \(holder.ifname) up",
                "addr add \(Self.podLinkLocal)/64 dev \(holder.ifname) nodad",
                "addr add \(address)/128 dev \(holder.ifname) nodad",
                "route add default via \(Self.gateway) dev \(holder.ifname)",
            ], in: netns, what: "pod end")
        // Only once the pod's end is ready, so that nothing is routed into a half-made pod.
        try Self.ip(["route add \(address)/128 dev \(hostName)"], what: "route to the pod")
    }

    /// Removes the pair (the pod's end and the route go with it); false if it was not there.
    @discardableResult
    public func remove() -> Bool { Self.remove(hostName) }

    @discardableResult
    static func remove(_ name: String) -> Bool {
        // Through netlink, not /sys: a runtime may run plugins in a network namespace whose /sys is another's.
        Spawn.run([Tools.ip, "link", "del", name]).status == 0
    }

    /// What CHECK looks at: the host's end up with the route, the pod's end with the address and the default route.
    public func verify(netns: String, address: IPv6Address) throws(CNIError) {
        func fail(_ what: String) -> CNIError { CNIError(.interfaceFailure, "the pod's link is not as ADD made it", details: what) }
        let link = Spawn.run([Tools.ip, "-o", "link", "show", "dev", hostName])
        guard link.status == 0 else { throw fail("host interface \(hostName) is missing") }
        guard link.output.contains(",UP") || link.output.contains("<UP") else { throw fail("host interface \(hostName) is down") }
        let route = Spawn.run([Tools.ip, "-6", "route", "show", "\(address)/128", "dev", hostName])
        guard route.status == 0, route.output.contains("\(address)") else { throw fail("no route to \(address) on \(hostName)") }
        let inside = Spawn.run([Tools.nsenter, "--net=\(netns)", Tools.ip, "-6", "addr", "show", "dev", holder.ifname])
        guard inside.status == 0 else { throw fail("no interface \(holder.ifname) in \(netns)") }
        guard inside.output.contains("\(address)/128") else { throw fail("\(holder.ifname) in \(netns) has lost \(address)") }
        let routes = Spawn.run([Tools.nsenter, "--net=\(netns)", Tools.ip, "-6", "route", "show", "default"])
        guard routes.output.contains("via \(Self.gateway) dev \(holder.ifname)") else { throw fail("the pod has no default route via \(Self.gateway)") }
    }

    /// Runs iproute2 commands as one batch, on the host or inside `netns`.
    static func ip(_ commands: [String], in netns: String? = nil, what: String) throws(CNIError) {
        let argv = (netns.map { [Tools.nsenter, "--net=\($0)"] } ?? []) + [Tools.ip, "-6", "-batch", "-"]
        let r = Spawn.run(argv, input: commands.joined(separator: "\n") + "\n")
        guard r.status == 0 else {
            throw CNIError(.interfaceFailure, "cannot set up the \(what)", details: r.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

/// Where the system's tools are: a runtime may call plugins with a bare PATH.
enum Tools {
    static let ip = find("ip", in: ["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
    static let nsenter = find("nsenter", in: ["/usr/bin", "/bin", "/usr/sbin", "/sbin"])

    static func find(_ tool: String, in dirs: [String]) -> String {
        dirs.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? tool
    }
}
