import Foundation
import SixplaneAPI
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON

/// Whether this host can give pods addresses on a network: the local daemon runs, has joined the network, is
/// configured, and has been given its 6PLANE /80. Asked of the daemon's local API, so the same configuration works
/// on every host.
public struct HostReadiness: Sendable {
    public var plane: SixPlane
    public var mtu: Int
    public var status: String

    public static var forwardingPath: String { "/proc/sys/net/ipv6/conf/all/forwarding" }
    public static var forwarding: Bool {
        (try? String(contentsOfFile: forwardingPath, encoding: .utf8))?.hasPrefix("1") == true
    }

    /// Asks the daemon at `home`; a typed error saying what is missing (`tryAgainLater`: it may come by itself).
    public static func query(home: String, network: NetworkID) throws(CNIError) -> HostReadiness {
        var client: ServiceClient
        do { client = try ServiceClient(home: Home(path: home)) } catch {
            throw CNIError(.tryAgainLater, "the sixplane daemon is not running", details: error.description)
        }
        client.timeoutSeconds = 5
        return try query(client, network: network, home: home)
    }

    /// Asks the daemon `client` talks to (`home` only names it in messages).
    public static func query(_ client: ServiceClient, network: NetworkID, home: String) throws(CNIError) -> HostReadiness {
        let status: ServiceClient.Reply, net: ServiceClient.Reply
        do {
            status = try client.get(.status)
            net = try client.get(.network(network))
        } catch {
            throw CNIError(.tryAgainLater, "the sixplane daemon does not answer", details: "home \(home): \(error.description)")
        }
        guard status.status == 200, let address = JSON(parsing: status.body)?["address"]?.stringValue, let node = try? Address(hex: address) else {
            throw CNIError(.tryAgainLater, "the sixplane daemon refused its status", details: "HTTP \(status.status): \(status.body.prefix(200))")
        }
        guard net.status == 200, let n = JSON(parsing: net.body) else {
            throw CNIError(.tryAgainLater, "this host has not joined network \(network)", details: "run `sixplane join \(network)` (home \(home))")
        }
        let plane = SixPlane(network: network, node: node)
        let state = n["status"]?.stringValue ?? "?"
        guard state == "OK" else {
            throw CNIError(.tryAgainLater, "network \(network) is \(state) on this host, not configured yet", details: "is this member authorized on the controller?")
        }
        let assigned = (n["assignedAddresses"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard assigned.contains(plane.assignedAddress.description) else {
            throw CNIError(.tryAgainLater, "network \(network) gives this host no 6PLANE /80", details: "turn on v6AssignMode.6plane on the controller")
        }
        return HostReadiness(plane: plane, mtu: Int(n["mtu"]?.intValue ?? 2800), status: state)
    }
}
