import Foundation
import SixplaneCore
import SixplaneDaemon

/// The lab's own ZeroTier world: a root serving a private planet made by `sixplane mkworld`, a controller, members,
/// and a 6PLANE network on the controller. Shared by the namespace tests, `sixplane-lab demo` and `sixplane-lab bench`,
/// and done entirely through the CLI, as a user would.
extension Lab {
    /// Polls `condition` every 200 ms for up to `seconds`.
    public static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }

    /// Where a host of `startWorld` sits.
    public enum Placement: Sendable {
        /// On the bridge.
        case bridge
        /// Behind a masquerading router on the bridge.
        case nat
        /// One provider's router away from the bridge (`addRoutedHost`).
        case routed
        /// Behind a masquerading router behind a provider's router (`addNATHost(_:index:behindProvider:)`).
        case providerNAT
    }

    /// Adds `root` (index 1), `ctl` (index 2) and the members (from index 3), each where `placements` says (on the
    /// bridge by default), writes a planet whose only root is `root`, starts every daemon and waits until all are
    /// online through it.
    /// `rootPort`: the port the planet names for the root; other than 9993 it is the root's secondary port, so every
    /// node reaches the root only there.
    public func startWorld(members: [String], placements: [String: Placement] = [:], rootPort: Int = 9993, rootSettings: [String: String] = [:]
    ) throws(LabError) {
        for (i, name) in (["root", "ctl"] + members).enumerated() {
            switch placements[name] ?? .bridge {
            case .bridge: try addHost(name, index: 1 + i)
            case .nat: try addNATHost(name, index: 1 + i)
            case .routed: try addRoutedHost(name, index: 1 + i)
            case .providerNAT: try addNATHost(name, index: 1 + i, behindProvider: true)
            }
        }
        let root = hosts["root"]!
        try sh(sixplane, "idtool", "generate", root.home + "/identity.secret", root.home + "/identity.public")
        try sh(
            sixplane, "mkworld", "--key", directory + "/world.c25519",
            "--root", "\(root.home)/identity.public=\(root.underlayIPv4)/\(rootPort)", "--out", directory + "/planet")
        var settings = rootSettings
        if rootPort != 9993 { settings["secondaryPort"] = String(rootPort) }
        if !settings.isEmpty { root.writeLocalConf(extra: settings) }
        for host in hosts.values {
            do { try FileManager.default.copyItem(atPath: directory + "/planet", toPath: host.home + "/planet") } catch {
                throw LabError("planet for \(host.name): \(error)")
            }
        }
        for name in ["root", "ctl"] + members { try hosts[name]!.start() }
        for name in ["ctl"] + members {
            let host = hosts[name]!
            guard Self.eventually(30, { host.sixplane("info").output.hasSuffix("ONLINE\n") }) else {
                throw LabError("\(name) not online through the private root: \(host.sixplane("info").output) \(host.tail())")
            }
        }
    }

    /// Creates a 6PLANE network (RFC4193 and an IPv4 pool too) on `ctl`, joins and authorizes the members, and waits
    /// until each has its config and tap.
    public func createNetwork(members: [String], name: String = "lab", ipv4Pool: String = "10.147.17.0/24") throws(LabError) -> NetworkID {
        guard let ctl = hosts["ctl"] else { throw LabError("the lab has no controller") }
        let created = ctl.sixplane("network", "create", "--name", name, "--rfc4193", "--ipv4-pool", ipv4Pool)
        guard created.status == 0, let nwid = try? NetworkID(hex: created.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LabError("network create: \(created.output)")
        }
        for member in members {
            guard let host = hosts[member], let address = host.address else { throw LabError("no host \(member)") }
            let joined = host.sixplane("join", "\(nwid)")
            guard joined.output == "200 join OK\n" else { throw LabError("\(member): join: \(joined.output)") }
            let authorized = ctl.sixplane("member", "authorize", "\(nwid)", address)
            guard authorized.status == 0 else { throw LabError("authorize \(member): \(authorized.output)") }
        }
        for member in members {
            let host = hosts[member]!
            guard Self.eventually(20, { host.sixplane("get", "\(nwid)", "status").output == "OK\n" }) else {
                throw LabError("\(member) got no config: \(host.sixplane("listnetworks").output) \(host.tail())")
            }
        }
        return nwid
    }
}
