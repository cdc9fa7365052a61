import Glibc
import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct AddressingTests {
    // protocol-network.md §1.4
    @Test(arguments: [
        ("89e92ceee5", "02:89:e9:30:0c:27"),
        ("1122334455", "02:11:22:2f:a6:97"),
    ])
    func workedExampleMACs(node: String, mac: String) throws {
        let network = try NetworkID(hex: "8056c2e21c000001")
        let address = try Address(hex: node)
        #expect(MAC(node: address, network: network).description == mac)
        #expect(try MAC(parsing: mac).node(on: network) == address, "reverse of \(mac)")
    }

    @Test(arguments: [
        (UInt64(0x00), "02"), (0x01, "02"), (0x02, "02"), (0x03, "02"),
        (0x50, "32"), (0x51, "32"), (0x52, "32"), (0x53, "32"), (0xff, "fe"), (0xf0, "f2"),
    ])
    func firstOctet(low: UInt64, octet: String) throws {
        let mac = MAC(node: try Address(hex: "0000000001"), network: NetworkID(rawValue: 0x8056_c2e2_1c00_0000 | low))
        #expect(mac.description.hasPrefix(octet + ":"), "network low byte \(low)")
    }

    @Test func macOfAnotherNetworkHasNoOwner() throws {
        let network = try NetworkID(hex: "8056c2e21c000001")
        #expect(try MAC(parsing: "f2:4a:17:ae:f9:fe").node(on: network) == nil)
    }

    // protocol-network.md §2.3
    @Test(arguments: [
        (
            "89e92ceee5", "fc9c:56c2:e389:e92c:eee5::1/40", "fc9c:56c2:e389:e92c:eee5::/80",
            "fd80:56c2:e21c:0:199:9389:e92c:eee5/88"
        ),
        (
            "1122334455", "fc9c:56c2:e311:2233:4455::1/40", "fc9c:56c2:e311:2233:4455::/80",
            "fd80:56c2:e21c:0:199:9311:2233:4455/88"
        ),
    ])
    func workedExampleAddresses(node: String, sixPlane: String, host: String, rfc4193: String) throws {
        let network = try NetworkID(hex: "8056c2e21c000001")
        let address = try Address(hex: node)
        let plane = SixPlane(network: network, node: address)
        #expect(SixPlane.networkHash(network) == 0x9c56_c2e3)
        #expect(plane.assignedAddress.description == sixPlane)
        #expect(plane.hostPrefix.description == host)
        #expect(plane.networkPrefix.description == "fc9c:56c2:e300::/40")
        let ula = RFC4193(network: network, node: address)
        #expect(ula.assignedAddress.description == rfc4193)
        #expect(ula.networkPrefix.description == "fd80:56c2:e21c:0:199:9300::/88")
        #expect(SixPlane.owner(of: plane.address, in: network) == address)
        #expect(RFC4193.owner(of: ula.address, in: network) == address)
    }

    // protocol-network.md §2.4: the public doc's host, and the /40 it really is in.
    @Test func publicDocExample() throws {
        let network = NetworkID(rawValue: 0xf9b0_3a12)  // any id whose halves XOR to f9b03a12
        let plane = SixPlane(network: network, node: try Address(hex: "89e92ceee5"))
        #expect(plane.address.description == "fcf9:b03a:1289:e92c:eee5::1")
        #expect(plane.networkPrefix.description == "fcf9:b03a:1200::/40")
        #expect(plane.hostPrefix.description == "fcf9:b03a:1289:e92c:eee5::/80")
    }

    // The testbed README table and reference-outputs/formula-check.txt.
    @Test(arguments: [
        (
            "ccd3c55330", "fc2b:b748:5acc:d3c5:5330::1/40", "fc2b:b748:5acc:d3c5:5330::/80",
            "fd40:73ce:aa6b:c486:f099:93cc:d3c5:5330/88", "f2:4a:17:ae:f9:fe"
        ),
        (
            "763cb11903", "fc2b:b748:5a76:3cb1:1903::1/40", "fc2b:b748:5a76:3cb1:1903::/80",
            "fd40:73ce:aa6b:c486:f099:9376:3cb1:1903/88", "f2:f0:f8:da:b3:cd"
        ),
    ])
    func testbedNodes(node: String, sixPlane: String, host: String, rfc4193: String, mac: String) throws {
        let network = try NetworkID(hex: try Fixtures.text("zt-1.14.1/nwid").trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(network == Fixtures.testbedNetwork)
        #expect(network.controller.description == "4073ceaa6b")
        let address = try Address(hex: node)
        let plane = SixPlane(network: network, node: address)
        #expect(plane.assignedAddress.description == sixPlane)
        #expect(plane.hostPrefix.description == host)
        #expect(plane.networkPrefix.description == "fc2b:b748:5a00::/40")
        #expect(RFC4193(network: network, node: address).assignedAddress.description == rfc4193)
        #expect(RFC4193(network: network, node: address).networkPrefix.description == "fd40:73ce:aa6b:c486:f099:9300::/88")
        #expect(MAC(node: address, network: network).description == mac)
        // The real interfaces carried exactly these (session/a-ip-addr.txt, b-ip-addr.txt).
        let ipAddr = try Fixtures.text("zt-1.14.1/reference-outputs/addrs.txt")
        #expect(ipAddr.contains("inet6 \(sixPlane) scope global"))
        #expect(ipAddr.contains("inet6 \(rfc4193) scope global"))
        #expect(ipAddr.contains("link/ether \(mac)"))
    }

    @Test func anyAddressInTheSlash80HasTheSameOwner() throws {
        let network = Fixtures.testbedNetwork
        let b = try Address(hex: "763cb11903")
        let probe = try IPv6Address(parsing: "fc2b:b748:5a76:3cb1:1903:dead:beef:1234")
        #expect(SixPlane.owner(of: probe, in: network) == b)
        #expect(SixPlane.owner(of: try IPv6Address(parsing: "fc2b:b748:5b76:3cb1:1903::1"), in: network) == nil)
        #expect(RFC4193.owner(of: probe, in: network) == nil)
    }

    @Test func networkIDParts() throws {
        let id = try NetworkID(hex: "8056C2E21C000001")
        #expect(id.description == "8056c2e21c000001")
        #expect(id.controller.description == "8056c2e21c")
        #expect(id.number == 1)
        #expect(NetworkID(controller: id.controller, number: 1) == id)
        #expect(!id.isAdHoc)
        #expect(try NetworkID(hex: "ff00160016000000").isAdHoc)
    }

    @Test(arguments: [
        ("0000000000", WireError.Kind.reservedAddress), ("ff12345678", .reservedAddress),
        ("12345", .wrongLength), ("123456789g", .invalidHex), ("12345678901", .wrongLength), ("", .wrongLength),
    ])
    func badAddresses(text: String, kind: WireError.Kind) {
        let error = #expect(throws: WireError.self) { try Address(hex: text) }
        #expect(error?.kind == kind, "'\(text)'")
        #expect(error?.message.isEmpty == false)
    }

    @Test(arguments: ["8056c2e21c00000", "8056c2e21c0000011", "8056c2e21c00000x", "", "0x8056c2e21c0000"])
    func badNetworkIDs(text: String) {
        #expect(throws: WireError.self) { try NetworkID(hex: text) }
    }

    @Test func addressBytesAndText() throws {
        let a = try Address(hex: "CCD3C55330")
        #expect(a.description == "ccd3c55330")
        #expect(a.bytes == [0xcc, 0xd3, 0xc5, 0x53, 0x30])
        #expect(Address(bytes: a.bytes) == a)
        #expect(Address(rawValue: 1 << 40) == nil)
        #expect(Address(truncating: 0xab_cd_ef_01_02_03).description == "cdef010203")
    }

    /// Our IPv6 text must be exactly what glibc's inet_ntop prints (ZeroTier and iproute2 use it).
    @Test func ipv6TextMatchesInetNtop() throws {
        var rng = SeededGenerator(seed: 6)
        for _ in 0..<5000 {
            // Mostly-zero groups so that every compression case occurs.
            let groups = (0..<8).map { _ -> UInt16 in
                switch UInt8.random(in: 0..<4, using: &rng) {
                case 0, 1: 0
                case 2: UInt16.random(in: 0...0xff, using: &rng)
                default: UInt16.random(in: 0...0xffff, using: &rng)
                }
            }
            var special = groups
            if UInt8.random(in: 0..<8, using: &rng) == 0 { special = [0, 0, 0, 0, 0, 0xffff, groups[6], groups[7]] }
            let address = IPv6Address(groups: special)
            var raw = in6_addr()
            withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: address.bytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count))
            let expected = String(cString: buffer)
            #expect(address.description == expected)
            #expect(try IPv6Address(parsing: expected) == address, "parse \(expected)")
        }
    }

    @Test(arguments: ["", ":::", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::1.2.3", "1.2.3.4::"])
    func badIPv6(text: String) {
        #expect(throws: WireError.self) { try IPv6Address(parsing: text) }
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "a.b.c.d", "1..2.3"])
    func badIPv4(text: String) {
        #expect(throws: WireError.self) { try IPv4Address(parsing: text) }
    }

    @Test func prefixes() throws {
        let p = try IPPrefix(parsing: "10.78.0.234/24")
        #expect(p.network.description == "10.78.0.0/24")
        #expect(p.contains(try IPAddress(parsing: "10.78.0.1")))
        #expect(!p.contains(try IPAddress(parsing: "10.79.0.1")))
        #expect(try IPPrefix(parsing: "fd00::1").length == 128)
        #expect(throws: WireError.self) { try IPPrefix(parsing: "10.0.0.0/33") }
        #expect(throws: WireError.self) { try IPPrefix(parsing: "10.0.0.0/x") }
    }

    @Test func endpointsParseAsTheyPrint() throws {
        for text in ["192.0.2.1/9993", "2001:db8::1/9993", "10.0.0.1/1", "::ffff:10.1.2.3/65535"] {
            let endpoint = try InetAddress(parsing: text)
            #expect(try InetAddress(parsing: endpoint.description) == endpoint, "\(text)")
        }
        #expect(try InetAddress(parsing: "192.0.2.1/9993") == .ipv4(IPv4Address(192, 0, 2, 1), port: 9993))
        for bad in ["192.0.2.1", "192.0.2.1/0", "192.0.2.1/65536", "192.0.2.1/x", "/9993", "host/9993", "192.0.2.1/-1"] {
            #expect(throws: WireError.self, "\(bad)") { try InetAddress(parsing: bad) }
        }
    }

    @Test func addressesInAHostPrefixBelongToTheHost() throws {
        let plane = SixPlane(network: try NetworkID(hex: "8056c2e21c000001"), node: try Address(hex: "efcc1b0947"))
        let container = plane.address(interfaceID: 0x242_ac1e_0302)
        #expect(container.description == "fc9c:56c2:e3ef:cc1b:947:242:ac1e:302")
        #expect(plane.hostPrefix.contains(.v6(container)))
        #expect(SixPlane.owner(of: container, in: plane.network) == plane.node)
        #expect(plane.address(interfaceID: 1) == plane.address)
    }

    /// 1.14.1's tap on node a (session/a-ip-addr.txt): MAC f2:4a:17:ae:f9:fe, link-local fe80::f04a:17ff:feae:f9fe.
    @Test func linkLocalAddressIsTheModifiedEUI64OfTheMAC() throws {
        let mac = try MAC(parsing: "f2:4a:17:ae:f9:fe")
        #expect(mac.linkLocalAddress == (try IPv6Address(parsing: "fe80::f04a:17ff:feae:f9fe")))
        #expect(try MAC(parsing: "02:00:00:00:00:01").linkLocalAddress == (try IPv6Address(parsing: "fe80::ff:fe00:1")))
    }
}
