import SixplaneController
import SixplaneCore

/// ADD's answer: the two ends of the pod's link, its address and its default route, shaped for the spec version the
/// runtime speaks (before 1.0.0 each address also says its IP version).
public struct CNIResult: Sendable {
    public var link: PodLink
    public var netns: String
    public var address: IPv6Address

    public func json(cniVersion: String) -> JSON {
        var ip: [String: JSON] = ["address": .string("\(address)/128"), "gateway": .string(PodLink.gateway), "interface": .int(1)]
        if !CNIVersion.atLeast(cniVersion, "1.0.0") { ip["version"] = .string("6") }
        return .object([
            "cniVersion": .string(cniVersion),
            "interfaces": .array([
                .object(["name": .string(link.hostName), "mac": .string(link.hostMAC)]),
                .object(["name": .string(link.holder.ifname), "mac": .string(link.podMAC), "sandbox": .string(netns)]),
            ]),
            "ips": .array([.object(ip)]),
            "routes": .array([.object(["dst": .string("::/0"), "gw": .string(PodLink.gateway)])]),
            "dns": .object([:]),
        ])
    }

    /// The pod's address in a previous result (CHECK, DEL), if it has one.
    static func address(in prevResult: JSON?) -> String? {
        prevResult?["ips"]?.arrayValue?.compactMap { $0["address"]?.stringValue }.first
    }
}
