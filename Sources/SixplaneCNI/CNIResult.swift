import SixplaneCore
import SixplaneJSON

/// ADD's answer: the two ends of the pod's link, its address and its default route, shaped for the spec version the
/// runtime speaks (before 1.0.0 each address also says its IP version).
public struct CNIResult: Sendable {
    public var link: PodLink
    public var netns: String
    public var address: IPv6Address

    public init(link: PodLink, netns: String, address: IPv6Address) {
        self.link = link
        self.netns = netns
        self.address = address
    }

    /// Ours, after what earlier plugins of a chain gave (`prevResult`): their interfaces, addresses and routes kept.
    public func json(cniVersion: String, after previous: JSON? = nil) -> JSON {
        var interfaces = previous?["interfaces"]?.arrayValue ?? []
        var ips = previous?["ips"]?.arrayValue ?? []
        var routes = previous?["routes"]?.arrayValue ?? []
        let podIndex = interfaces.count + 1
        interfaces += [
            .object(["name": .string(link.hostName), "mac": .string(link.hostMAC)]),
            .object(["name": .string(link.holder.ifname), "mac": .string(link.podMAC), "sandbox": .string(netns)]),
        ]
        var ip: [String: JSON] = ["address": .string("\(address)/128"), "gateway": .string(PodLink.gateway), "interface": .int(Int64(podIndex))]
        if !CNIVersion.atLeast(cniVersion, "1.0.0") { ip["version"] = .string("6") }
        ips.append(.object(ip))
        routes.append(.object(["dst": .string("::/0"), "gw": .string(PodLink.gateway)]))
        return .object([
            "cniVersion": .string(cniVersion), "interfaces": .array(interfaces), "ips": .array(ips), "routes": .array(routes),
            "dns": previous?["dns"] ?? .object([:]),
        ])
    }

    /// The addresses in a previous result (CHECK, DEL).
    static func addresses(in prevResult: JSON?) -> [String] {
        prevResult?["ips"]?.arrayValue?.compactMap { $0["address"]?.stringValue } ?? []
    }
}
