import Foundation
import SixplaneCore
import SixplaneDNS
import SixplaneDaemon
import SixplaneJSON
import SixplaneLab
import Testing

/// Names on the container backplane end to end: two hosts with real Docker engines and a controller's node, the
/// network's domain served by Sixplane alone. Containers find each other and members by name; dig and a real
/// recursive resolver (unbound, forwarding and stubbing the domain) see the same; names follow containers starting
/// and stopping, and member renames; allowDNS=1 puts the network's servers in the host's resolv.conf and takes them
/// out again.
extension NamespaceNetworkTests {
    static var dnsDockerAvailable: Bool {
        LabDocker.available && LabUnbound.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/dig")
    }

    @Test(.enabled(if: dnsDockerAvailable, "needs docker.io, busybox-static, unbound and bind9-dnsutils (make test installs them)"))
    func containersByNameAcrossHosts() throws {
        let lab = try Self.makeLab(subnet: 82, members: ["h1", "h2"])
        defer { lab.teardown() }
        let h1 = lab.hosts["h1"]!, h2 = lab.hosts["h2"]!, ctl = lab.hosts["ctl"]!
        let nwid = try Self.makeNetwork(lab, members: ["h1", "h2", "ctl"])
        let p1 = try #require(h1.sixPlane(on: nwid)), p2 = try #require(h2.sixPlane(on: nwid))
        let ctlPlane = try #require(ctl.sixPlane(on: nwid)).address
        #expect(ctl.api("POST", "/controller/network/\(nwid)", body: #"{"dns": {"domain": "lab.example", "servers": ["\#(ctlPlane)"]}}"#).status == 200)
        for (host, name) in [(h1, "h1"), (h2, "h2")] {
            #expect(ctl.api("POST", "/controller/network/\(nwid)/member/\(host.address!)", body: #"{"name": "\#(name)"}"#).status == 200)
        }

        // allowDNS=1: the host's resolver asks the network's server for the domain, ahead of what it had.
        let original = "nameserver 192.0.2.53\nsearch corp.example\n"
        for host in [h1, h2] { try original.write(toFile: host.resolvConf, atomically: true, encoding: .utf8) }
        for host in [h1, h2] { #expect(host.sixplane("set", "\(nwid)", "allowDNS=1").status == 0) }
        let applied = "nameserver \(ctlPlane)"
        #expect(Self.eventually(10) { ((try? String(contentsOfFile: h2.resolvConf, encoding: .utf8)) ?? "").contains(applied) }, "\(h2.tail())")
        let withNames = try String(contentsOfFile: h2.resolvConf, encoding: .utf8)
        #expect(withNames.split(separator: "\n").last { !$0.hasPrefix("#") } == "search lab.example corp.example", "\(withNames)")

        // Each host learns its member name from the controller's node, and answers under it.
        #expect(Self.eventually(10) { h2.run(["dig", "@\(p2.address)", "+short", "h2.lab.example", "AAAA"]).output.contains("\(p2.address)") }, "\(h2.tail())")

        // Docker on each host: its /80, and the host's node as the containers' name server.
        var containers: [String: String] = [:]
        for (host, plane) in [(h1, p1), (h2, p2)] {
            let configured = host.sixplane("docker", "configure", "--network", "\(nwid)", "--daemon-json", host.docker.configFile)
            #expect(configured.status == 0 && configured.output.contains("dns-search"), "\(configured.output)")
            let json = JSON(parsing: try String(contentsOfFile: host.docker.configFile, encoding: .utf8))
            #expect(json?["dns"]?.arrayValue?.first == .string(plane.address.description) && json?["dns-search"] == .array(["lab.example"]))
            try host.docker.start()
            try host.docker.importBusybox()
        }
        containers["c1"] = try h1.docker.runContainer("c1")
        containers["web"] = try h2.docker.runContainer("web")
        let web = containers["web"]!

        // From a container on h1: a container on h2 by name, and a member by name; ping6 by name.
        func inC1(_ argv: String...) -> Spawn.Result { h1.docker.docker(["exec", "c1"] + argv) }
        #expect(Self.eventually(10) { inC1("nslookup", "web.h2.lab.example").output.contains(web) }, "\(inC1("nslookup", "web.h2.lab.example").output) \(h2.tail())")
        #expect(inC1("nslookup", "h2.lab.example").output.contains("\(p2.address)"))
        #expect(Self.eventually(6) { inC1("ping", "-6", "-c", "1", "-W", "1", "web.h2.lab.example").status == 0 })
        #expect(inC1("ping", "-6", "-c", "1", "-W", "1", "h2").status == 0, "the search domain from daemon.json")

        // dig from a host through its own node (which asks the network's server, which asks h2's node).
        func dig(_ server: IPv6Address, _ args: String...) -> String { h1.run(["dig", "@\(server)", "+time=3", "+tries=1"] + args).output }
        #expect(dig(p1.address, "+short", "web.h2.lab.example", "AAAA") == "\(web)\n")
        #expect(dig(ctlPlane, "+short", "-x", web) == "web.h2.lab.example.\n", "a container's reverse name")
        #expect(dig(ctlPlane, "+short", "-x", "\(p2.address)") == "h2.lab.example.\n")
        let v4 = h2.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(dig(ctlPlane, "+short", "h2.lab.example", "A") == "\(v4)\n")
        #expect(dig(ctlPlane, "nothing.h2.lab.example", "AAAA").contains("status: NXDOMAIN"))
        #expect(dig(p1.address, "example.com", "A").contains("status: REFUSED"))
        #expect(dig(ctlPlane, "+tcp", "+short", "web.h2.lab.example", "AAAA") == "\(web)\n", "over TCP too")

        // A real recursive resolver, forwarding the domain to the network's server, and one stubbing it (so it
        // follows the controller's referral to h2's node by NS and glue).
        let reverse = ReverseName.zone(of: try IPPrefix(.v6(ctlPlane), length: 40)).description
        let forwarder = LabUnbound(host: h1, port: 5301), stub = LabUnbound(host: h1, port: 5302)
        defer {
            forwarder.stop()
            stub.stop()
        }
        try forwarder.start(.forward, domain: "lab.example", reverse: [reverse], servers: ["\(ctlPlane)"])
        try stub.start(.stub, domain: "lab.example", reverse: [reverse], servers: ["\(ctlPlane)"])
        for resolver in [forwarder, stub] {
            #expect(resolver.dig("+short", "web.h2.lab.example", "AAAA") == "\(web)\n", "\(resolver.dig("web.h2.lab.example", "AAAA")) \(resolver.tail())")
            #expect(resolver.dig("+short", "h2.lab.example", "AAAA").contains("\(p2.address)"))
            #expect(resolver.dig("+short", "-x", web) == "web.h2.lab.example.\n", "\(resolver.tail())")
            #expect(resolver.dig("nobody.lab.example", "AAAA").contains("status: NXDOMAIN"))
        }

        // A container started after the resolver asked once is found within 2 s; stopped, gone within 2 s.
        #expect(stub.dig("late.h2.lab.example", "AAAA").contains("status: NXDOMAIN"))
        let late = try h2.docker.runContainer("late")
        #expect(Self.eventually(2) { stub.dig("+short", "late.h2.lab.example", "AAAA") == "\(late)\n" }, "started")
        #expect(Self.eventually(2) { inC1("nslookup", "late.h2.lab.example").output.contains(late) })
        #expect(h2.docker.docker(["rm", "-f", "late"]).status == 0)
        #expect(Self.eventually(2) { stub.dig("late.h2.lab.example", "AAAA").contains("status: NXDOMAIN") }, "stopped: \(stub.dig("late.h2.lab.example", "AAAA")) \(h2.sixplane("dns").output) \(h2.run(["dig", "@\(p2.address)", "late.h2.lab.example", "AAAA"]).output)")
        #expect(Self.eventually(2) { forwarder.dig("late.h2.lab.example", "AAAA").contains("status: NXDOMAIN") })

        // A member renamed on the controller: its host answers under the new name within seconds.
        #expect(ctl.api("POST", "/controller/network/\(nwid)/member/\(h2.address!)", body: #"{"name": "Builder"}"#).status == 200)
        #expect(Self.eventually(8) { inC1("nslookup", "web.builder.lab.example").output.contains(web) }, "\(h2.tail())")
        #expect(Self.eventually(4) { stub.dig("web.h2.lab.example", "AAAA").contains("status: NXDOMAIN") }, "the old name is gone")

        // What h2 serves and applied, as `sixplane dns` shows it.
        let shown = h2.sixplane("dns")
        #expect(shown.status == 0 && shown.output.contains("web.builder.lab.example \(web)") && shown.output.contains("nameservers \(ctlPlane)"), "\(shown.output)")
        let dnsJSON = JSON(parsing: h2.sixplane("dns", "-j").output)
        #expect(dnsJSON?["networks"]?.arrayValue?.first?["containers"]?["web"] == .array([.string(web)]))

        // allowDNS=0 gives the file back as it was; so does stopping the daemon.
        #expect(h2.sixplane("set", "\(nwid)", "allowDNS=0").status == 0)
        #expect(Self.eventually(5) { (try? String(contentsOfFile: h2.resolvConf, encoding: .utf8)) == original })
        h1.stop()
        #expect((try? String(contentsOfFile: h1.resolvConf, encoding: .utf8)) == original, "taken out when the daemon stops")

        // A member deleted on the controller: its name goes with it.
        #expect(ctl.run(["dig", "@\(ctlPlane)", "+short", "builder.lab.example", "AAAA"]).output.contains("\(p2.address)"))
        #expect(ctl.api("DELETE", "/controller/network/\(nwid)/member/\(h2.address!)").status == 200)
        #expect(Self.eventually(5) { ctl.run(["dig", "@\(ctlPlane)", "builder.lab.example", "AAAA"]).output.contains("status: NXDOMAIN") }, "deleted")
    }
}
