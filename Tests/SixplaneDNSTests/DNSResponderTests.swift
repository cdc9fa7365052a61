import SixplaneCore
import SixplaneDNS
import Testing

/// The zone as a controller's node and as a host's node serve it: members by name and node id, a host's
/// containers, reverse names, delegation (referral with glue, or asked on the client's behalf), and what is refused.
@Suite struct DNSResponderTests {
    static let nwid = try! NetworkID(hex: "8056c2e21c000001")
    static let ctl = try! Address(hex: "8056c2e21c")
    static let h1 = try! Address(hex: "1122334455")
    static let h2 = try! Address(hex: "a1b2c3d4e5")
    static let domain = try! DNSName("lab.example")
    static let v4: [Address: IPv4Address] = [ctl: IPv4Address(10, 147, 17, 1), h1: IPv4Address(10, 147, 17, 11), h2: IPv4Address(10, 147, 17, 12)]

    static func addresses(_ node: Address) -> [IPAddress] {
        [.v6(SixPlane(network: nwid, node: node).address), .v6(RFC4193(network: nwid, node: node).address), .v4(v4[node]!)]
    }

    static func prefixes(_ node: Address) -> [IPPrefix] {
        [SixPlane(network: nwid, node: node).assignedAddress, RFC4193(network: nwid, node: node).assignedAddress, try! IPPrefix(.v4(v4[node]!), length: 24)]
    }

    /// The controller's node: every member.
    static var controller: DNSResponder {
        var directory = MemberDirectory()
        for (node, name) in [(ctl, "ctl"), (h1, "h1"), (h2, "Web Server")] {
            directory.set(node, .init(address: node, label: DNSLabel.from(name), addresses: addresses(node)))
        }
        var zone = DNSZone(network: nwid, domain: domain, node: ctl, ownPrefixes: prefixes(ctl), servers: [.v6(SixPlane(network: nwid, node: ctl).address)])
        zone.members = directory
        zone.hostLabel = "ctl"
        var r = DNSResponder()
        r.zones[nwid] = zone
        return r
    }

    static let container = IPAddress.v6(SixPlane(network: nwid, node: h1).address(interfaceID: 0x0242_ac11_0002))

    /// h1's node: its own name and containers.
    static var host: DNSResponder {
        var zone = DNSZone(network: nwid, domain: domain, node: h1, ownPrefixes: prefixes(h1), servers: [.v6(SixPlane(network: nwid, node: ctl).address)])
        zone.hostLabel = "h1"
        zone.setContainers([("web", [container]), ("/Bad Name!", [container]), ("empty", [])])
        var r = DNSResponder()
        r.zones[nwid] = zone
        return r
    }

    static func ask(_ r: DNSResponder, _ name: String, _ type: UInt16, rd: Bool = true, qclass: UInt16 = DNSType.classIN) -> DNSOutcome {
        var q = DNSMessage(header: .init(id: 99))
        q.header.recursionDesired = rd
        q.questions = [DNSQuestion(name: try! DNSName(name), type: type, qclass: qclass)]
        return r.respond(to: q.serialized())
    }

    static func answer(_ o: DNSOutcome) -> DNSMessage? { if case .answer(let m) = o { m } else { nil } }

    static func data(_ o: DNSOutcome) -> [DNSRecord.Data] { answer(o)?.answers.map(\.data) ?? [] }

    static func aaaa(_ ips: [IPAddress]) -> [DNSRecord.Data] { ips.compactMap { if case .v6(let a) = $0 { .aaaa(a) } else { nil } } }
    static func a(_ ips: [IPAddress]) -> [DNSRecord.Data] { ips.compactMap { if case .v4(let a) = $0 { .a(a) } else { nil } } }

    @Test func membersByNameAndNodeID() throws {
        let c = Self.controller
        for name in ["h1.lab.example", "H1.Lab.Example.", "1122334455.lab.example"] {
            let o = Self.ask(c, name, DNSType.aaaa)
            #expect(Self.data(o) == Self.aaaa(Self.addresses(Self.h1)), "\(name)")
            #expect(Self.answer(o)?.header.authoritative == true && Self.answer(o)?.header.id == 99)
        }
        #expect(Self.data(Self.ask(c, "h1.lab.example", DNSType.a)) == Self.a(Self.addresses(Self.h1)))
        #expect(Self.data(Self.ask(c, "web-server.lab.example", DNSType.aaaa)) == Self.aaaa(Self.addresses(Self.h2)), "a name folded to a label")
        // NODATA: the name is there, not the type; NXDOMAIN: it is not; both with the SOA.
        let mx = Self.answer(Self.ask(c, "h1.lab.example", 15))
        #expect(mx?.header.rcode == 0 && mx?.answers.isEmpty == true && mx?.authorities.first?.type == DNSType.soa)
        let missing = Self.answer(Self.ask(c, "nobody.lab.example", DNSType.aaaa))
        #expect(missing?.header.rcode == DNSMessage.RCode.nameError && missing?.authorities.first?.type == DNSType.soa)
        // The apex: SOA, and NS naming the controller's node, with its addresses.
        let ns = Self.answer(Self.ask(c, "lab.example", DNSType.ns))
        #expect(ns?.answers.map(\.data) == [.ns(try DNSName("8056c2e21c.lab.example"))])
        #expect(ns?.additionals.map(\.data) == Self.aaaa(Self.addresses(Self.ctl)) + Self.a(Self.addresses(Self.ctl)))
        #expect(Self.answer(Self.ask(c, "lab.example", DNSType.soa))?.answers.first?.type == DNSType.soa)
    }

    @Test func notAnOpenResolver() {
        for r in [Self.controller, Self.host] {
            #expect(Self.answer(Self.ask(r, "example.com", DNSType.a))?.header.rcode == DNSMessage.RCode.refused)
            #expect(Self.answer(Self.ask(r, "1.0.0.127.in-addr.arpa", DNSType.ptr))?.header.rcode == DNSMessage.RCode.refused)
            #expect(Self.answer(Self.ask(r, "h1.lab.example", DNSType.a, qclass: 3))?.header.rcode == DNSMessage.RCode.refused, "class CH")
        }
    }

    @Test func containersDelegatedToTheirHost() throws {
        let c = Self.controller
        let h1 = Self.addresses(Self.h1)
        // A stub (recursion desired): asked of the host on its behalf, without recursion (no loops).
        guard case .forward(let q, let to) = Self.ask(c, "web.h1.lab.example", DNSType.aaaa) else {
            Issue.record("not forwarded")
            return
        }
        let web = try DNSName("web.h1.lab.example"), cut = try DNSName("h1.lab.example")
        #expect(to == h1[0] && !q.header.recursionDesired && q.questions.first?.name == web)
        // A resolver iterating (no recursion): a referral with glue.
        let referral = Self.answer(Self.ask(c, "web.h1.lab.example", DNSType.aaaa, rd: false))
        #expect(referral?.header.authoritative == false && referral?.answers.isEmpty == true)
        #expect(referral?.authorities.map(\.data) == [.ns(cut)] && referral?.authorities.first?.name == cut)
        #expect(referral?.additionals.map(\.data) == Self.aaaa(h1) + Self.a(h1))
        // Below a name no member has: nothing.
        #expect(Self.answer(Self.ask(c, "web.nobody.lab.example", DNSType.aaaa))?.header.rcode == DNSMessage.RCode.nameError)
    }

    @Test func aHostAnswersForWhatItRuns() throws {
        let h = Self.host
        for name in ["web.h1.lab.example", "web.1122334455.lab.example", "bad-name.h1.lab.example"] {
            #expect(Self.data(Self.ask(h, name, DNSType.aaaa, rd: false)) == Self.aaaa([Self.container]), "\(name)")
        }
        #expect(Self.answer(Self.ask(h, "empty.h1.lab.example", DNSType.aaaa))?.header.rcode == DNSMessage.RCode.nameError, "no address, no name")
        #expect(Self.answer(Self.ask(h, "gone.h1.lab.example", DNSType.aaaa))?.header.rcode == DNSMessage.RCode.nameError)
        #expect(Self.data(Self.ask(h, "h1.lab.example", DNSType.aaaa)) == Self.aaaa(Self.addresses(Self.h1)))
        // Another member's name: the network's server answers it, if the client wants it resolved.
        guard case .forward(let q, let to) = Self.ask(h, "h2.lab.example", DNSType.aaaa) else {
            Issue.record("not forwarded")
            return
        }
        #expect(to == .v6(SixPlane(network: Self.nwid, node: Self.ctl).address) && q.header.recursionDesired)
        #expect(Self.answer(Self.ask(h, "web.h2.lab.example", DNSType.aaaa, rd: false))?.header.rcode == DNSMessage.RCode.refused)
        // A container going away is gone.
        var stopped = h
        let changed = stopped.zones[Self.nwid]!.setContainers([("other", [Self.container])])
        #expect(changed)
        #expect(Self.answer(Self.ask(stopped, "web.h1.lab.example", DNSType.aaaa))?.header.rcode == DNSMessage.RCode.nameError)
    }

    @Test func reverseNames() throws {
        let c = Self.controller, h = Self.host
        let h1 = Self.addresses(Self.h1)
        for ip in h1 {
            #expect(Self.data(Self.ask(c, ReverseName.name(of: ip).description, DNSType.ptr)) == [.ptr(try DNSName("h1.lab.example"))], "\(ip)")
            #expect(Self.data(Self.ask(h, ReverseName.name(of: ip).description, DNSType.ptr)) == [.ptr(try DNSName("h1.lab.example"))], "\(ip)")
        }
        #expect(Self.data(Self.ask(c, ReverseName.name(of: Self.addresses(Self.h2)[0]).description, DNSType.ptr)) == [.ptr(try DNSName("web-server.lab.example"))])
        // A container: its host names it; the controller refers to (or asks) the host for the /80.
        let back = ReverseName.name(of: Self.container).description
        #expect(Self.data(Self.ask(h, back, DNSType.ptr)) == [.ptr(try DNSName("bad-name.h1.lab.example"))], "two names for one address: the first in order")
        let referral = Self.answer(Self.ask(c, back, DNSType.ptr, rd: false))
        #expect(referral?.authorities.first?.name == ReverseName.zone(of: SixPlane(network: Self.nwid, node: Self.h1).hostPrefix))
        #expect(referral?.authorities.first?.name.labels.count == 22, "20 nibbles and ip6.arpa")
        guard case .forward(_, let to) = Self.ask(c, back, DNSType.ptr) else {
            Issue.record("not forwarded")
            return
        }
        #expect(to == h1[0])
        // In the network, nobody's: NXDOMAIN.
        let nobody = IPAddress.v6(RFC4193(network: Self.nwid, node: try Address(hex: "0102030405")).address)
        #expect(Self.answer(Self.ask(c, ReverseName.name(of: nobody).description, DNSType.ptr))?.header.rcode == DNSMessage.RCode.nameError)
    }

    @Test(arguments: [
        ("::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"),
        ("fc9c:56c2:e39d:2a4f:11c3::1", "1.0.0.0.0.0.0.0.0.0.0.0.3.c.1.1.f.4.a.2.d.9.3.e.2.c.6.5.c.9.c.f.ip6.arpa"),
        ("10.147.17.11", "11.17.147.10.in-addr.arpa"),
    ])
    func reverseNameRoundTrip(_ ip: String, _ name: String) throws {
        let address = try IPAddress(parsing: ip)
        #expect(ReverseName.name(of: address).description == name)
        #expect(ReverseName.address(of: try DNSName(name)) == address)
        #expect(ReverseName.address(of: try DNSName(name.uppercased())) == address)
    }

    @Test(arguments: ["017.17.147.10.in-addr.arpa", "256.17.147.10.in-addr.arpa", "17.147.10.in-addr.arpa", "x.0.ip6.arpa", "1.ip6.arpa"])
    func notAReverseName(_ name: String) throws {
        #expect(ReverseName.address(of: try DNSName(name)) == nil)
    }

    @Test(arguments: [("Web Server 2", "web-server-2"), ("h2", "h2"), ("--x--", "x"), ("é", nil), ("", nil), (String(repeating: "a", count: 70), String(repeating: "a", count: 63))])
    func labels(_ name: String, _ label: String?) {
        #expect(DNSLabel.from(name) == label)
    }

    @Test func malformedQueries() {
        let r = Self.controller
        #expect(r.respond(to: [1, 2, 3]) == .drop(.unreadable))
        var response = DNSMessage(header: .init(id: 5))
        response.header.isResponse = true
        #expect(r.respond(to: response.serialized()) == .drop(.notAQuery), "a reflected answer is not answered")
        // A header claiming a question that is not there, and a compression loop: FORMERR with the id.
        for bytes: [UInt8] in [[0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]] {
            let m = Self.answer(r.respond(to: bytes))
            #expect(m?.header.rcode == DNSMessage.RCode.formatError && m?.header.id == 7 && m?.header.isResponse == true)
        }
        var twoQuestions = DNSMessage(header: .init(id: 8))
        twoQuestions.questions = [DNSQuestion(name: Self.domain, type: DNSType.a), DNSQuestion(name: Self.domain, type: DNSType.aaaa)]
        #expect(Self.answer(r.respond(to: twoQuestions.serialized()))?.header.rcode == DNSMessage.RCode.formatError)
        var update = DNSMessage(header: .init(id: 9))
        update.header.opcode = 5
        update.questions = [DNSQuestion(name: Self.domain, type: DNSType.soa)]
        #expect(Self.answer(r.respond(to: update.serialized()))?.header.rcode == DNSMessage.RCode.notImplemented)
    }

    @Test func rateLimitPerSource() throws {
        var limiter = DNSRateLimiter(perSecond: 10, burst: 20, tableLimit: 3)
        let a = try IPAddress(parsing: "fc00::1")
        #expect((0..<25).filter { _ in limiter.admit(a, now: 0) }.count == 20)
        #expect(limiter.limited == 5)
        #expect((0..<25).filter { _ in limiter.admit(a, now: 1000) }.count == 10, "refilled at 10 a second")
        for i in 0..<10 { _ = limiter.admit(.v4(IPv4Address(rawValue: UInt32(i))), now: 2000) }
        #expect(limiter.sources <= 3, "the table is bounded")
    }

    @Test func directoryIsBounded() throws {
        var d = MemberDirectory(limit: 2)
        for i in 1...3 { d.set(Address(truncating: UInt64(i)), .init(address: Address(truncating: UInt64(i)), label: "m", addresses: [])) }
        #expect(d.count == 2 && d.leftOut == 1 && d.lookup("m").count == 2)
        d.set(Address(truncating: 1), nil)
        #expect(d.lookup("m").map(\.address) == [Address(truncating: 2)])
    }
}
