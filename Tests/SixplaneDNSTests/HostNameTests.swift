import SixplaneCore
import SixplaneDNS
import Testing

/// A host learning its member name from the controller's node (the PTR of its own address, answered by the real
/// responder), and what it runs given to each network's zone by /80.
@Suite struct HostNameTests {
    typealias R = DNSResponderTests

    /// h1's zone before it knows its name.
    static var fresh: DNSZone {
        DNSZone(network: R.nwid, domain: R.domain, node: R.h1, ownPrefixes: R.prefixes(R.h1), servers: [.v6(SixPlane(network: R.nwid, node: R.ctl).address)])
    }

    /// The controller's answer to the host's question.
    static func answer(_ controller: DNSResponder, to zone: DNSZone) throws -> DNSMessage {
        let (query, server) = try #require(zone.hostNameQuery(id: 7))
        #expect(server == zone.servers[0])
        #expect(query.questions == [DNSQuestion(name: ReverseName.name(of: .v6(zone.sixPlane.address)), type: DNSType.ptr)])
        return try #require(R.answer(controller.respond(to: query.serialized())))
    }

    @Test func learnsItsMemberNameAndRenames() throws {
        var controller = R.controller
        var zone = Self.fresh
        let byID = try DNSName("1122334455.lab.example")
        #expect(zone.hostName == byID)
        let changed1 = zone.learnHostName(from: try Self.answer(controller, to: zone))
        #expect(changed1)
        let named = try DNSName("h1.lab.example")
        #expect(zone.hostLabel == "h1" && zone.hostName == named)
        let serial = zone.serial
        let changed2 = zone.learnHostName(from: try Self.answer(controller, to: zone))
        #expect(!changed2, "the same name again changes nothing")
        #expect(zone.serial == serial)

        // Renamed on the controller: the next answer carries the new name.
        controller.zones[R.nwid]!.members!.set(R.h1, .init(address: R.h1, label: DNSLabel.from("Build Box"), addresses: R.addresses(R.h1)))
        let changed3 = zone.learnHostName(from: try Self.answer(controller, to: zone))
        #expect(changed3)
        #expect(zone.hostLabel == "build-box" && zone.serial == serial &+ 1)

        // Its name taken away: known by node id again (the controller answers the node id's name).
        controller.zones[R.nwid]!.members!.set(R.h1, .init(address: R.h1, label: nil, addresses: R.addresses(R.h1)))
        let changed4 = zone.learnHostName(from: try Self.answer(controller, to: zone))
        #expect(changed4)
        #expect(zone.hostLabel == nil)
    }

    @Test func keepsItsNameWhenTheAnswerSaysNothing() throws {
        var zone = Self.fresh
        zone.hostLabel = "h1"
        var failed = DNSMessage(header: .init(id: 7))
        failed.header.rcode = DNSMessage.RCode.serverFailure
        let changed5 = zone.learnHostName(from: failed)
        #expect(!changed5)
        var outside = DNSMessage(header: .init(id: 7))
        outside.answers = [.ptr(ReverseName.name(of: .v6(zone.sixPlane.address)), try DNSName("h9.elsewhere.example"), ttl: 5)]
        let changed6 = zone.learnHostName(from: outside)
        #expect(!changed6, "a name outside the domain is not taken")
        var deep = outside
        deep.answers = [.ptr(ReverseName.name(of: .v6(zone.sixPlane.address)), try DNSName("a.b.lab.example"), ttl: 5)]
        let changed7 = zone.learnHostName(from: deep)
        #expect(!changed7, "nor one below another name")
        #expect(zone.hostLabel == "h1")
        var gone = DNSMessage(header: .init(id: 7))
        gone.header.rcode = DNSMessage.RCode.nameError
        let changed8 = zone.learnHostName(from: gone)
        #expect(changed8 && zone.hostLabel == nil, "no such member name: by node id")
        zone.servers = []
        #expect(zone.hostNameQuery(id: 1) == nil, "no server to ask")
    }

    @Test func eachZoneHoldsWhatLiesInItsSlash80() throws {
        let other = try NetworkID(hex: "8056c2e21c000002")
        var r = DNSResponder()
        r.zones[R.nwid] = Self.fresh
        var second = DNSZone(network: other, domain: try DNSName("two.example"), node: R.h1, ownPrefixes: [SixPlane(network: other, node: R.h1).assignedAddress], servers: [])
        second.serial = 10
        r.zones[other] = second
        let mine = IPAddress.v6(SixPlane(network: R.nwid, node: R.h1).address(interfaceID: 0x0242_ac11_0002))
        let theirs = IPAddress.v6(SixPlane(network: other, node: R.h1).address(interfaceID: 0x0242_ac11_0003))
        let bridge = try IPAddress(parsing: "172.17.0.2")
        r.setHosted([HostedName(name: "web", addresses: [mine, bridge]), HostedName(name: "db", addresses: [theirs]), HostedName(name: "off", addresses: [bridge])])
        #expect(r.zones[R.nwid]!.containers == ["web": [mine]], "a Docker bridge's IPv4 is not reachable across the network")
        #expect(r.zones[other]!.containers == ["db": [theirs]])
        #expect(r.zones[other]!.serial == 11)
        #expect(R.data(R.ask(r, "web.1122334455.lab.example", DNSType.aaaa)) == R.aaaa([mine]))
        r.setHosted([])
        #expect(r.zones[R.nwid]!.containers.isEmpty && r.hosted.isEmpty)
        #expect(R.answer(R.ask(r, "web.1122334455.lab.example", DNSType.aaaa))?.header.rcode == DNSMessage.RCode.nameError, "a stopped container is gone")
    }
}
