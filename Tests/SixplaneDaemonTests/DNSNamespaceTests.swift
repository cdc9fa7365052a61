import Foundation
import SixplaneCore
import SixplaneLab
import Testing

/// The daemons serve their networks' names on the networks' own addresses: real daemons on lab hosts, a domain set
/// on the controller, and Debian's dig asking one host's node from the other across the network.
extension NamespaceNetworkTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/dig"), "needs bind9-dnsutils (make test installs it)"))
    func hostsServeTheirOwnNamesOnTheNetwork() throws {
        let lab = try Self.makeLab(subnet: 81)
        defer { lab.teardown() }
        let a = lab.hosts["a"]!, b = lab.hosts["b"]!, ctl = lab.hosts["ctl"]!
        // The controller's node is a member too: it serves the whole domain, on its own address on the network.
        let nwid = try Self.makeNetwork(lab, members: ["a", "b", "ctl"])
        let aNode = try Address(hex: a.address!)
        let aPlane = SixPlane(network: nwid, node: aNode).address
        let ctlPlane = SixPlane(network: nwid, node: try Address(hex: ctl.address!)).address
        let set = ctl.api("POST", "/controller/network/\(nwid)", body: #"{"dns": {"domain": "lab.example", "servers": ["\#(ctlPlane)"]}}"#)
        #expect(set.status == 200, "\(set.body)")

        func dig(_ args: String...) -> String { b.run(["dig", "@\(aPlane)", "+time=1", "+tries=1"] + args).output }
        // The pushed config names the domain; a's node then answers for itself, by node id, on its 6PLANE address.
        #expect(Self.eventually(15) { dig("\(aNode).lab.example", "AAAA", "+short").contains("\(aPlane)") }, "\(a.tail())")
        let v4 = a.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(dig("\(aNode).lab.example", "A", "+short") == "\(v4)\n")
        #expect(dig("-x", "\(aPlane)", "+short") == "\(aNode).lab.example.\n")
        #expect(dig("-x", v4, "+short") == "\(aNode).lab.example.\n", "on its IPv4 address too")
        #expect(dig("nothing.\(aNode).lab.example", "AAAA").contains("status: NXDOMAIN"))
        #expect(dig("example.com", "A").contains("status: REFUSED"), "not an open resolver")
        // Only on the network's addresses: the underlay address does not answer.
        let underlay = b.run(["dig", "@\(a.underlayIPv4)", "+time=1", "+tries=1", "\(aNode).lab.example"]).output
        #expect(underlay.contains("timed out") || underlay.contains("refused"), "\(underlay)")
        // The controller's node answers for every member, by name and node id, and follows renames and
        // deauthorizations.
        #expect(ctl.api("POST", "/controller/network/\(nwid)/member/\(aNode)", body: #"{"name": "Alpha One"}"#).status == 200)
        func ask(_ args: String...) -> String { b.run(["dig", "@\(ctlPlane)", "+time=1", "+tries=1"] + args).output }
        #expect(Self.eventually(10) { ask("alpha-one.lab.example", "AAAA", "+short").contains("\(aPlane)") }, "\(ctl.tail())")
        #expect(ask("alpha-one.lab.example", "A", "+short") == "\(v4)\n")
        #expect(ask("\(b.address!).lab.example", "AAAA", "+short").contains("\(SixPlane(network: nwid, node: try Address(hex: b.address!)).address)"))
        #expect(ask("-x", "\(aPlane)", "+short") == "alpha-one.lab.example.\n")
        #expect(ctl.api("POST", "/controller/network/\(nwid)/member/\(aNode)", body: #"{"name": "alpha2"}"#).status == 200)
        #expect(Self.eventually(5) { ask("alpha2.lab.example", "AAAA", "+short").contains("\(aPlane)") }, "renamed")
        #expect(ask("alpha-one.lab.example", "AAAA").contains("status: NXDOMAIN"), "the old name is gone")
        #expect(ctl.sixplane("member", "deauthorize", "\(nwid)", b.address!).status == 0)
        // (b is cut off now: a asks.)
        func askFromA(_ args: String...) -> String { a.run(["dig", "@\(ctlPlane)", "+time=1", "+tries=1"] + args).output }
        #expect(Self.eventually(5) { askFromA("\(b.address!).lab.example", "AAAA").contains("status: NXDOMAIN") }, "deauthorized")

        // The domain taken away: the names go with it.
        #expect(ctl.api("POST", "/controller/network/\(nwid)", body: #"{"dns": []}"#).status == 200)
        #expect(Self.eventually(15) {
            let out = askFromA("\(aNode).lab.example", "AAAA")
            return out.contains("timed out") || out.contains("connection refused")
        }, "no longer listening")
    }
}
