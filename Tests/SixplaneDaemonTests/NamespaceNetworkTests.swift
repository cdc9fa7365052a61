import Foundation
import SixplaneController
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON
import SixplaneLab
import SixplaneTestSupport
import Testing

/// Real daemons in network namespaces on a bridge: a root serving a private planet made by `sixplane mkworld`, a
/// controller, and two members. Everything goes through the CLI and the local API as a user would, and the kernel
/// does the routing. Needs root (CI runs as root).
@Suite(.serialized, .enabled(if: getuid() == 0, "network namespaces need root"))
struct NamespaceNetworkTests {
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool { Lab.eventually(seconds, condition) }

    /// root, ctl and the members with a private planet whose only root is `root`; all daemons started and online.
    static func makeLab(
        subnet: Int, members: [String] = ["a", "b"], placements: [String: Lab.Placement] = [:], rootPort: Int = 9993
    ) throws -> Lab {
        let lab = try Lab(sixplane: Command.sixplane, subnet: subnet)
        do {
            try lab.startWorld(members: members, placements: placements, rootPort: rootPort)
            return lab
        } catch {
            lab.teardown()
            throw error
        }
    }

    /// A 6PLANE network (RFC4193 and an IPv4 pool too) on ctl, the members joined, authorized and configured.
    static func makeNetwork(_ lab: Lab, members: [String]) throws -> NetworkID {
        let nwid = try lab.createNetwork(members: members)
        #expect(nwid.controller.description == lab.hosts["ctl"]!.address)
        return nwid
    }

    static func ping(_ host: LabHost, _ address: String, count: Int = 2, from source: String? = nil) -> Bool {
        let v6 = address.contains(":")
        let src = source.map { ["-I", $0] } ?? []
        return host.run(["ping"] + (v6 ? ["-6"] : ["-4"]) + src + ["-c", String(count), "-i", "0.2", "-W", "2", address]).status == 0
    }

    static func metric(_ host: LabHost, _ name: String) -> Int {
        let text = Spawn.run(["ip", "netns", "exec", host.namespace, zerotierCLI(host.lab), "-D" + host.home, "/metrics"]).output
        return text.split(separator: "\n").filter { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    /// A `zerotier-cli` link to the built binary (the CLI's other personality).
    static func zerotierCLI(_ lab: Lab) -> String {
        let link = lab.directory + "/zerotier-cli"
        if !FileManager.default.fileExists(atPath: link) { try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Command.sixplane) }
        return link
    }

    static func addresses(_ host: LabHost, _ dev: String) -> String {
        host.run(["ip", "addr", "show", "dev", dev]).output
    }

    @Test func sixplaneNetworkBetweenTwoHostsEndToEnd() throws {
        let lab = try Self.makeLab(subnet: 67)
        defer { lab.teardown() }
        let a = lab.hosts["a"]!, b = lab.hosts["b"]!, ctl = lab.hosts["ctl"]!
        let nwid = try Self.makeNetwork(lab, members: ["a", "b"])
        let aAddr = try Address(hex: a.address!), bAddr = try Address(hex: b.address!)

        // The taps carry exactly what the controller assigned: 6PLANE ::1/40, RFC4193 /88, the IPv4 with its mask.
        let aTap = a.sixplane("get", "\(nwid)", "portDeviceName").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(aTap == TapName.free(for: nwid) { _ in false }, "tap named like ZeroTier's")
        let aIPs = Self.addresses(a, aTap)
        #expect(aIPs.contains("\(SixPlane(network: nwid, node: aAddr).address)/40"), "\(aIPs)")
        #expect(aIPs.contains("\(RFC4193(network: nwid, node: aAddr).address)/88"), "\(aIPs)")
        #expect(aIPs.contains("inet 10.147.17."), "\(aIPs)")
        #expect(aIPs.contains("mtu 2800") || a.run(["ip", "link", "show", aTap]).output.contains("mtu 2800"))
        #expect(a.run(["ip", "link", "show", aTap]).output.contains(MAC(node: aAddr, network: nwid).description))

        // a learned the controller's identity by WHOIS through the root, which relayed until direct paths were up.
        #expect(Self.metric(a, "sixplane_packets_total{direction=\"out\",verb=\"WHOIS\"}") > 0)
        #expect(Self.metric(lab.hosts["root"]!, "sixplane_relayed_total") > 0)

        // 6PLANE host to host, then an arbitrary address in b's /80 (given to b's loopback, as Docker would route it
        // to a container): a's kernel solicits it, a's node answers from the core, no multicast leaves a.
        let b6 = SixPlane(network: nwid, node: bAddr)
        #expect(Self.ping(a, "\(b6.address)"), "ping6 a → b ::1")
        let arbitrary = b6.address(interfaceID: 0x1234_5678)
        #expect(b.run(["ip", "-6", "addr", "add", "\(arbitrary)/128", "dev", "lo"]).status == 0)
        let ndpBefore = Self.metric(a, "sixplane_ndp_emulated_total")
        let multicastBefore = Self.metric(a, "sixplane_packets_total{direction=\"out\",verb=\"MULTICAST_FRAME\"}")
        #expect(Self.ping(a, "\(arbitrary)"), "ping6 a → an arbitrary address in b's /80")
        #expect(Self.metric(a, "sixplane_ndp_emulated_total") > ndpBefore, "the solicitation was answered by a's node")
        #expect(
            Self.metric(a, "sixplane_packets_total{direction=\"out\",verb=\"MULTICAST_FRAME\"}") == multicastBefore,
            "no multicast crossed the network for a 6PLANE target")

        // RFC4193 and IPv4 (ARP goes as a multicast, answered by b).
        #expect(Self.ping(a, "\(RFC4193(network: nwid, node: bAddr).address)"), "RFC4193 ping")
        let b4 = b.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(b4.hasPrefix("10.147.17."))
        #expect(Self.ping(a, b4), "IPv4 ping with ARP")
        #expect(
            Self.metric(a, "sixplane_packets_total{direction=\"out\",verb=\"MULTICAST_FRAME\"}") > multicastBefore,
            "the ARP request went as a multicast (so the metric the NDP check reads is the right one)")
        #expect(a.run(["ip", "neigh", "show", b4]).output.contains(MAC(node: bAddr, network: nwid).description), "ARP learned b's MAC")

        // zerotier-cli output, from both personalities.
        let networks = a.sixplane("listnetworks").output
        #expect(networks.hasPrefix("200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n"))
        #expect(networks.contains("200 listnetworks \(nwid) lab \(MAC(node: aAddr, network: nwid)) OK PRIVATE \(aTap) "), "\(networks)")
        let peers = a.sixplane("listpeers").output
        #expect(peers.contains("200 listpeers \(b.address!) \(b.underlayIPv4)/9993;"), "direct path to b: \(peers)")
        #expect(peers.contains("200 listpeers \(lab.hosts["root"]!.address!) ") && peers.contains(" PLANET"), "\(peers)")
        #expect(peers.contains(" 1.14.1 LEAF"))
        let table = a.sixplane("peers").output
        #expect(table.hasPrefix("200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>\n"))
        #expect(table.contains("\(b.address!) 1.14.1 LEAF  ") && table.contains(" DIRECT   "), "\(table)")
        let cli = Self.zerotierCLI(lab)
        let info = a.run([cli, "-D" + a.home, "info"]).output
        #expect(info == "200 info \(a.address!) 1.14.1 ONLINE\n", "\(info)")
        let infoJSON = JSON(parsing: a.run([cli, "-j", "-D" + a.home, "info"]).output)
        #expect(infoJSON?["address"]?.stringValue == a.address && infoJSON?["online"]?.boolValue == true)
        #expect(a.run([cli, "-D" + a.home, "get", "\(nwid)", "ip6plane"]).output == "\(SixPlane(network: nwid, node: aAddr).address)\n")
        let prefix = a.run([cli, "-D" + a.home, "get", "\(nwid)", "ip6prefix"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(prefix.split(separator: ":").count == 5 && (try? IPPrefix(parsing: prefix + "::/80")) == SixPlane(network: nwid, node: aAddr).hostPrefix, "\(prefix)")
        let peerJSON = JSON(parsing: a.run([cli, "-D" + a.home, "/peer/\(b.address!)"]).output)
        #expect(peerJSON?["role"]?.stringValue == "LEAF" && peerJSON?["paths"]?.arrayValue?.isEmpty == false)
        let networkJSON = JSON(parsing: a.run([cli, "-D" + a.home, "/network/\(nwid)"]).output)
        #expect(networkJSON?["portDeviceName"]?.stringValue == aTap && networkJSON?["status"]?.stringValue == "OK")
        #expect(a.run([cli, "-D" + a.home, "join", "123"]).output == "invalid network id\n")
        #expect(JSON(parsing: a.run([cli, "-D" + a.home, "/health"]).output)?["online"]?.boolValue == true)

        // Local settings: allowManaged=0 takes the managed addresses away; 1 gives them back.
        let set = a.sixplane("set", "\(nwid)", "allowManaged=0")
        #expect(JSON(parsing: set.output)?["allowManaged"]?.boolValue == false, "\(set.output)")
        #expect(Self.eventually(5) { !Self.addresses(a, aTap).contains("/40") }, "managed addresses removed")
        #expect(a.sixplane("set", "\(nwid)", "allowManaged=1").status == 0)
        #expect(Self.eventually(5) { Self.addresses(a, aTap).contains("/40") }, "managed addresses back")
        #expect(a.sixplane("get", "\(nwid)", "allowManaged").output == "1\n")

        // The API wants the token: none or a wrong one gets 401.
        let denied = a.sixplane("info", "--token", "wrong")
        #expect(denied.status == 1 && denied.output.hasPrefix("401 info"), "\(denied.output)")
        let noToken = a.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9993; printf 'GET /status HTTP/1.0\\r\\n\\r\\n' >&3; head -1 <&3"])
        #expect(noToken.output.hasPrefix("HTTP/1.1 401"), "\(noToken.output)")
        let v6Token = a.run(["bash", "-c", "exec 3<>/dev/tcp/::1/9993; printf 'GET /status?auth=wrong HTTP/1.0\\r\\n\\r\\n' >&3; head -1 <&3"])
        #expect(v6Token.output.hasPrefix("HTTP/1.1 401"), "the API on ::1 too: \(v6Token.output)")
        let onlyLoopback = a.run(["bash", "-c", "exec 3<>/dev/tcp/\(a.underlayIPv4)/9993"])
        #expect(onlyLoopback.status != 0, "the API does not listen on the underlay")

        // Controller administration through the CLI.
        let members = ctl.sixplane("member", "list", "\(nwid)").output
        #expect(members.contains("\(a.address!) authorized ") && members.contains("\(b.address!) authorized "), "\(members)")
        let list = ctl.sixplane("network", "list").output
        #expect(list.contains("\(nwid) lab 2/2"), "\(list)")
        let renamed = ctl.sixplane("network", "set", "\(nwid)", "name=lab2")
        #expect(JSON(parsing: renamed.output)?["name"]?.stringValue == "lab2")
        #expect(Self.eventually(10) { a.sixplane("get", "\(nwid)", "name").output == "lab2\n" }, "the controller pushes the new config")
        #expect(JSON(parsing: ctl.sixplane("network", "show", "\(nwid)").output)?["name"]?.stringValue == "lab2")

        // Deauthorizing b cuts it off (its tap goes away); a keeps working.
        let bTap = b.sixplane("get", "\(nwid)", "portDeviceName").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!bTap.isEmpty)
        #expect(ctl.sixplane("member", "deauthorize", "\(nwid)", b.address!).status == 0)
        #expect(Self.eventually(10) { b.sixplane("get", "\(nwid)", "status").output == "ACCESS_DENIED\n" })
        #expect(Self.eventually(5) { b.run(["ip", "link", "show", bTap]).status != 0 }, "b's tap removed")
        #expect(!Self.ping(a, "\(b6.address)", count: 1))
        #expect(ctl.sixplane("member", "authorize", "\(nwid)", b.address!).status == 0)
        #expect(Self.eventually(15) { b.sixplane("get", "\(nwid)", "status").output == "OK\n" })
        #expect(Self.eventually(10) { Self.ping(a, "\(b6.address)", count: 1) }, "b back after authorization")

        // Leave removes the tap and the network's file; join brings both back.
        #expect(b.sixplane("leave", "\(nwid)").output == "200 leave OK\n")
        #expect(Self.eventually(5) { b.run(["ip", "link", "show", bTap]).status != 0 }, "tap removed on leave")
        #expect(!FileManager.default.fileExists(atPath: "\(b.home)/networks.d/\(nwid).conf"))
        #expect(b.sixplane("listnetworks").output.split(separator: "\n").count == 1)
        #expect(b.sixplane("join", "\(nwid)").status == 0)
        #expect(Self.eventually(15) { b.sixplane("get", "\(nwid)", "status").output == "OK\n" })

        // Restart: same identity, the network rejoined and its addresses back within seconds of the config.
        let before = a.address
        #expect(a.stop() == 0, "clean exit on SIGTERM: \(a.tail())")
        #expect(!a.run(["ip", "link", "show"]).output.contains(aTap), "tap removed at shutdown")
        #expect(FileManager.default.fileExists(atPath: "\(a.home)/networks.d/\(nwid).conf"))
        try a.start()
        #expect(a.address == before)
        #expect(Self.eventually(15) { Self.addresses(a, aTap).contains("\(SixPlane(network: nwid, node: aAddr).address)/40") }, "\(a.tail())")
        #expect(Self.eventually(15) { Self.ping(a, "\(b6.address)", count: 1) }, "traffic after restart")
    }

    @Test func moonsOrbitAndRootsServeWhois() throws {
        let lab = try Self.makeLab(subnet: 68, members: ["a"])
        defer { lab.teardown() }
        let a = lab.hosts["a"]!, ctl = lab.hosts["ctl"]!
        // A moon whose root is ctl: ctl loads the file, a asks ctl for it as its seed.
        let moonPath = lab.directory + "/moon"
        let made = Spawn.run([
            Command.sixplane, "mkworld", "--moon", "--key", lab.directory + "/moon.c25519",
            "--root", "\(ctl.home)/identity.public=\(ctl.underlayIPv4)/9993", "--out", moonPath,
        ])
        #expect(made.status == 0, "\(made.output)")
        let moonID = String(format: "%016llx", UInt64(ctl.address!, radix: 16)!)
        #expect(ctl.sixplane("orbit", moonID, "--world-file", moonPath).output == "200 orbit OK\n")
        #expect(FileManager.default.fileExists(atPath: "\(ctl.home)/moons.d/\(moonID).moon"))
        #expect(a.sixplane("orbit", moonID, ctl.address!).output == "200 orbit OK\n")
        let fetched = Self.eventually(20) { a.sixplane("listmoons").output.contains("\"waiting\": false") }
        #expect(fetched, "moon fetched from its seed: \(a.sixplane("listmoons").output)")
        #expect(FileManager.default.fileExists(atPath: "\(a.home)/moons.d/\(moonID).moon"))
        #expect(Self.eventually(10) { a.sixplane("listpeers").output.contains("\(ctl.address!) ") && a.sixplane("listpeers").output.contains(" MOON") })
        #expect(a.sixplane("deorbit", moonID).output == "200 deorbit OK\n")
        #expect(!FileManager.default.fileExists(atPath: "\(a.home)/moons.d/\(moonID).moon"))
        let again = a.sixplane("deorbit", moonID)
        #expect(again.status == 1 && again.output.hasPrefix("404 deorbit"), "a second deorbit is a 404: \(again.output)")

        // The rest of the controller administration: member set/delete, network delete.
        let nwid = ctl.sixplane("network", "create", "--name", "scratch").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(nwid.count == 16)
        let named = ctl.sixplane("member", "set", nwid, a.address!, "name=web", "authorized=true")
        #expect(JSON(parsing: named.output)?["name"]?.stringValue == "web" && JSON(parsing: named.output)?["authorized"]?.boolValue == true)
        #expect(ctl.sixplane("member", "delete", nwid, a.address!).output == "deleted \(a.address!) from \(nwid)\n")
        let twice = ctl.sixplane("member", "delete", nwid, a.address!)
        #expect(twice.status == 1 && twice.output.contains(": 404 "), "deleting twice is a 404: \(twice.output)")
        #expect(ctl.sixplane("network", "delete", nwid).output == "deleted \(nwid)\n")
        #expect(!ctl.sixplane("network", "list").output.contains(nwid))
        let gone = ctl.sixplane("network", "show", nwid)
        #expect(gone.status == 1 && gone.output.contains(": 404 "), "\(gone.output)")

        // The root relays and answers WHOIS: the root knows both, and a finds ctl's identity through it.
        let root = lab.hosts["root"]!
        let rootPeers = root.sixplane("listpeers").output
        #expect(rootPeers.contains(a.address!) && rootPeers.contains(ctl.address!), "\(rootPeers)")
    }
}
