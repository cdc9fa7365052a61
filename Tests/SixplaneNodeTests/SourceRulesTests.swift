@testable import SixplaneCore
import SixplaneLab
import SixplaneTestSupport
import Testing

/// `SourceRules`, rule by rule, on a network where `us` is a member and the senders' certificates are as given.
@Suite struct SourceRulesTests {
    static let nwid = NetworkID(rawValue: 0x8056_c2e2_1c00_0042)
    static let us = Address(truncating: 0x11_1111_1111)
    static let b = Address(truncating: 0x22_2222_2222)
    static let c = Address(truncating: 0x33_3333_3333)
    static let bIP = IPv4Address(10, 1, 0, 2), cIP = IPv4Address(10, 1, 0, 3), ourIP = IPv4Address(10, 1, 0, 1)

    /// Our network: IPv4 assigned (10.1.0.0/24) unless `ipv4` is false; b and c with certificates of ownership
    /// of their IPv4 address unless left out.
    static func network(ipv4: Bool = true, certified: Set<Address> = [b, c]) -> Network {
        let n = Network(id: nwid, node: us)
        var config = NetworkConfig(network: nwid, timestamp: 1, revision: 1, issuedTo: us)
        config.staticIPs = [SixPlane(network: nwid, node: us).assignedAddress]
        if ipv4 { config.staticIPs.append(try! IPPrefix(.v4(ourIP), length: 24)) }
        n.config = config
        for (member, ip) in [(b, bIP), (c, cIP)] where certified.contains(member) {
            let coo = try! CertificateOfOwnership(network: nwid, timestamp: 1, id: 1, things: [.ipv4(ip)], issuedTo: member)
            n.members[member, default: Membership()].ownership[1] = coo
        }
        return n
    }

    static func check(_ frame: EthernetFrame, from sender: Address, on network: Network) -> SourceRules.Verdict {
        frame.payload.withUnsafeBytes { SourceRules.check(etherType: frame.etherType, payload: $0, sender: sender, network: network) }
    }

    static func mac(_ a: Address) -> MAC { MAC(node: a, network: nwid) }
    static func plane(_ a: Address) -> IPv6Address { SixPlane(network: nwid, node: a).address }
    static func rfc(_ a: Address) -> IPv6Address { RFC4193(network: nwid, node: a).address }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var frame: EthernetFrame
        var sender: Address = SourceRulesTests.c
        var ipv4Assigned = true
        var certified: Set<Address> = [SourceRulesTests.b, SourceRulesTests.c]
        var expected: SourceRules.Verdict
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let c = Self.c, b = Self.b, cMAC = mac(c), bMAC = mac(b), ours = mac(us)
        func na(_ target: IPv6Address, at m: MAC, source: IPv6Address = plane(c), hbh: Bool = false) -> EthernetFrame {
            ForgedFrames.neighborAdvertisement(target: target, advertisedMAC: m, source: source, sourceMAC: cMAC, destinationMAC: ours, hopByHop: hbh)
        }
        func arp(_ ip: IPv4Address, _ m: MAC) -> EthernetFrame {
            ForgedFrames.arpReply(sender: ip, senderMAC: m, target: ourIP, targetMAC: ours, destination: ours, from: cMAC)
        }
        func udp(_ ip: IPv4Address) -> EthernetFrame { TestFrames.udp4(from: ip, to: ourIP, sourceMAC: cMAC, destinationMAC: ours) }
        func ping(_ source: IPv6Address) -> EthernetFrame {
            TestFrames.ping6(from: source, to: plane(us), sourceMAC: cMAC, destinationMAC: ours)
        }
        return [
            Case(name: "IPv6 from c's /80", frame: ping(SixPlane(network: nwid, node: c).address(interfaceID: 0x42)), expected: .allowed),
            Case(name: "IPv6 from c's RFC4193", frame: ping(rfc(c)), expected: .allowed),
            Case(name: "IPv6 from b's /80", frame: ping(plane(b)), expected: .dropped(.spoofedSource)),
            Case(name: "IPv6 from outside", frame: ping(try! IPv6Address(parsing: "2001:db8::1")), expected: .dropped(.spoofedSource)),
            Case(name: "c's own link-local", frame: ping(cMAC.linkLocalAddress), expected: .allowed),
            Case(name: "b's link-local", frame: ping(bMAC.linkLocalAddress), expected: .dropped(.spoofedLinkLocal)),
            Case(name: "any other link-local", frame: ping(try! IPv6Address(parsing: "fe80::1")), expected: .dropped(.spoofedLinkLocal)),
            Case(name: "NA for c's own address", frame: na(rfc(c), at: cMAC), expected: .allowed),
            Case(name: "NA for c's own link-local", frame: na(cMAC.linkLocalAddress, at: cMAC, source: cMAC.linkLocalAddress), expected: .allowed),
            Case(name: "NA for b's RFC4193", frame: na(rfc(b), at: cMAC), expected: .dropped(.spoofedNeighbor)),
            Case(name: "NA for b's 6PLANE", frame: na(plane(b), at: cMAC), expected: .dropped(.spoofedNeighbor)),
            Case(name: "NA for b's link-local", frame: na(bMAC.linkLocalAddress, at: cMAC), expected: .dropped(.spoofedNeighbor)),
            Case(name: "NA for b behind hop-by-hop", frame: na(rfc(b), at: cMAC, hbh: true), expected: .dropped(.spoofedNeighbor)),
            Case(name: "NA for c at b's MAC", frame: na(rfc(c), at: bMAC), expected: .dropped(.spoofedNeighbor)),
            Case(name: "NS with c's MAC", frame: TestFrames.neighborSolicitation(target: rfc(b), source: rfc(c), sourceMAC: cMAC), expected: .allowed),
            Case(name: "DAD solicitation from ::", frame: TestFrames.neighborSolicitation(target: rfc(c), source: IPv6Address(high: 0, low: 0), sourceMAC: cMAC), expected: .allowed),
            Case(name: "ARP for c's address", frame: arp(cIP, cMAC), expected: .allowed),
            Case(name: "ARP probe (sender 0)", frame: arp(IPv4Address(rawValue: 0), cMAC), expected: .allowed),
            Case(name: "ARP for b's address", frame: arp(bIP, cMAC), expected: .dropped(.spoofedARP)),
            Case(name: "ARP for c's address at b's MAC", frame: arp(cIP, bMAC), expected: .dropped(.spoofedARP)),
            Case(name: "ARP for an unassigned address", frame: arp(IPv4Address(10, 1, 0, 99), cMAC), expected: .dropped(.spoofedARP)),
            Case(name: "ARP before c showed a certificate", frame: arp(cIP, cMAC), certified: [b], expected: .awaitingOwnership),
            Case(name: "IPv4 from c's address", frame: udp(cIP), expected: .allowed),
            Case(name: "IPv4 from b's address", frame: udp(bIP), expected: .dropped(.spoofedSource)),
            Case(name: "IPv4 before c showed a certificate", frame: udp(cIP), certified: [b], expected: .awaitingOwnership),
            Case(name: "IPv4 from 0.0.0.0 (DHCP)", frame: udp(IPv4Address(rawValue: 0)), expected: .allowed),
            Case(name: "no IPv4 assigned: any address", frame: udp(IPv4Address(192, 168, 7, 7)), ipv4Assigned: false, certified: [], expected: .allowed),
            Case(name: "no IPv4 assigned: b's certified one", frame: udp(bIP), ipv4Assigned: false, expected: .dropped(.spoofedSource)),
            Case(name: "no IPv4 assigned: ARP for b's", frame: arp(bIP, cMAC), ipv4Assigned: false, expected: .dropped(.spoofedARP)),
        ]
    }()

    @Test(arguments: cases)
    func rule(_ c: Case) {
        let network = Self.network(ipv4: c.ipv4Assigned, certified: c.certified)
        #expect(Self.check(c.frame, from: c.sender, on: network) == c.expected, "\(c.name)")
    }

    @Test func truncatedAndMalformedNeighborDiscoveryIsRefused() {
        let network = Self.network()
        var frame = ForgedFrames.neighborAdvertisement(
            target: Self.rfc(Self.c), advertisedMAC: Self.mac(Self.c), source: Self.plane(Self.c), sourceMAC: Self.mac(Self.c))
        // An option of length 0 (which would loop forever if trusted), then one running past the end.
        frame.payload[40 + 24 + 1] = 0
        #expect(Self.check(frame, from: Self.c, on: network) == .dropped(.spoofedNeighbor))
        frame.payload[40 + 24 + 1] = 9
        #expect(Self.check(frame, from: Self.c, on: network) == .dropped(.spoofedNeighbor))
        // Cut inside the header: still no read past the end, whatever the cut.
        let whole = ForgedFrames.neighborAdvertisement(
            target: Self.rfc(Self.b), advertisedMAC: Self.mac(Self.c), source: Self.plane(Self.c), sourceMAC: Self.mac(Self.c), hopByHop: true)
        for n in 0..<whole.payload.count {
            let cut = EthernetFrame(destination: whole.destination, source: whole.source, etherType: 0x86dd, payload: Array(whole.payload.prefix(n)))
            // Up to the end of the hop-by-hop header there is no ICMPv6 message yet (kernels drop such packets).
            #expect(Self.check(cut, from: Self.c, on: network) != .allowed || n <= 48, "cut at \(n)")
        }
    }
}
