import Foundation
import SixplaneCore
import SixplaneLab
import Testing

/// allowDNS=1 through a real systemd-resolved (Debian's, unpacked by `make test`, on a bus of its own in the lab
/// host's namespaces): the network's server and domain set on the tap's link, names resolved through resolved's
/// stub, reverted on allowDNS=0 and applied again on allowDNS=1.
extension NamespaceNetworkTests {
    @Test(.enabled(if: LabResolved.available && FileManager.default.isExecutableFile(atPath: "/usr/bin/dig"), "needs systemd-resolved unpacked and bind9-dnsutils (make test does both)"))
    func allowDNSThroughSystemdResolved() throws {
        let lab = try Self.makeLab(subnet: 83, members: ["h1"])
        defer { lab.teardown() }
        let h1 = lab.hosts["h1"]!, ctl = lab.hosts["ctl"]!
        let resolved = LabResolved(host: h1)
        defer { resolved.stop() }
        try resolved.start()
        // h1's daemon again, told to use systemd-resolved and given its bus.
        h1.stop()
        try #"{"settings": {"resolver": "systemd-resolved", "dockerHost": ""}}"#.write(toFile: "\(h1.home)/local.conf", atomically: true, encoding: .utf8)
        try h1.start(environment: resolved.environment)
        let nwid = try Self.makeNetwork(lab, members: ["h1", "ctl"])
        let ctlPlane = try #require(ctl.sixPlane(on: nwid)).address
        #expect(ctl.api("POST", "/controller/network/\(nwid)", body: #"{"dns": {"domain": "lab.example", "servers": ["\#(ctlPlane)"]}}"#).status == 200)
        #expect(ctl.sixplane("member", "set", "\(nwid)", h1.address!, "name=alpha").status == 0)
        let tap = try #require(h1.sixplane("get", "\(nwid)", "portDeviceName").output.split(separator: "\n").first.map(String.init))

        #expect(h1.sixplane("set", "\(nwid)", "allowDNS=1").status == 0)
        #expect(Self.eventually(10) {
            let status = resolved.resolvectl("status", tap).output
            return status.contains("DNS Servers: \(ctlPlane)") && status.contains("DNS Domain: lab.example")
        }, "\(resolved.resolvectl("status", tap).output) \(h1.tail())")
        // A name asked of resolved's stub goes to the network's server over the tap.
        #expect(Self.eventually(10) {
            h1.run(["dig", "@127.0.0.53", "+time=2", "+tries=1", "+short", "alpha.lab.example", "AAAA"]).output.contains("\(try! #require(h1.sixPlane(on: nwid)).address)")
        }, "\(resolved.tail())")
        #expect(h1.sixplane("dns").output.contains("applied (systemd-resolved"), "\(h1.sixplane("dns").output)")

        #expect(h1.sixplane("set", "\(nwid)", "allowDNS=0").status == 0)
        #expect(Self.eventually(10) { !resolved.resolvectl("status", tap).output.contains("DNS Servers") }, "reverted: \(resolved.resolvectl("status", tap).output)")
        #expect(h1.sixplane("set", "\(nwid)", "allowDNS=1").status == 0)
        #expect(Self.eventually(10) { resolved.resolvectl("status", tap).output.contains("DNS Servers: \(ctlPlane)") })
        // (On stop the daemon reverts the link, but its tap goes too and resolved forgets the link with it: a check of
        // the link after the stop could not tell the two apart, so there is none.)
    }
}
