import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct NDPEmulatorTests {
    /// protocol-network.md §3.2 test vector: the 72-byte advertisement, byte for byte, and its /80 variant.
    @Test func specVector() throws {
        let network = try NetworkID(hex: "8056c2e21c000001")
        let me = try Address(hex: "89e92ceee5")
        let plane = SixPlane(network: network, node: me)
        for (target, checksum) in [("fc9c:56c2:e311:2233:4455::1", "01da"), ("fc9c:56c2:e311:2233:4455:abcd:1234:5678", "d8e7")] {
            let ns = try Self.solicitation(target: target, from: MAC(node: me, network: network))
            let na = try #require(
                NDPEmulator.advertisement(
                    destination: ns.destination, source: ns.source, etherType: 0x86dd, payload: ns.payload,
                    network: network, node: me, staticIPs: [plane.assignedAddress]))
            #expect(na.destination.description == "02:89:e9:30:0c:27")
            #expect(na.source.description == "02:11:22:2f:a6:97")
            let t = try IPv6Address(parsing: target).bytes
            let expected =
                hex("6000000000203aff") + t + hex("fc9c56c2e389e92ceee50000000000018800") + hex(checksum) + hex("60000000") + t
                + hex("0201021122 2fa697".replacingOccurrences(of: " ", with: ""))
            #expect(na.payload == expected, "\(target)")
        }
    }

    /// A neighbor solicitation as a Linux kernel sends it for `target`.
    static func solicitation(target: String, from mac: MAC, source: String = "::") throws -> EthernetFrame {
        let t = try IPv6Address(parsing: target)
        let group = MulticastGroup.solicitedNode(t)
        var p: [UInt8] = [0x60, 0, 0, 0, 0, 32, 0x3a, 0xff]
        p += try IPv6Address(parsing: source).bytes
        p += [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff] + Array(t.bytes[13...])
        p += [0x87, 0, 0, 0, 0, 0, 0, 0] + t.bytes + [1, 1] + mac.bytes
        return EthernetFrame(destination: group.mac, source: mac, etherType: 0x86dd, payload: p)
    }

    /// Every solicitation node `a`'s kernel sent into its tap, answered by the emulator: the answer equals, byte for
    /// byte, the advertisement ZeroTier 1.14.1 injected right after it; solicitations it did not answer get nil.
    @Test func matchesTheRealTapCapture() throws {
        let frames = try Pcap(fixture: "zt-1.14.1/pcap/02-a-zt-tap.pcap").frames.map(\.frame)
        let network = Fixtures.testbedNetwork
        let a = try Address(hex: "ccd3c55330")
        let staticIPs = [
            SixPlane(network: network, node: a).assignedAddress, RFC4193(network: network, node: a).assignedAddress,
            try IPPrefix(parsing: "10.78.0.234/24"),
        ]
        let aMAC = MAC(node: a, network: network)
        var answered = 0, passed = 0
        for (i, f) in frames.enumerated() where f.count >= 14 {
            let destination = MAC(bytes: f[0..<6]), source = MAC(bytes: f[6..<12])
            let etherType = UInt16(f[12]) << 8 | UInt16(f[13])
            let payload = Array(f[14...])
            guard source == aMAC, etherType == 0x86dd, payload.count >= 41, payload[6] == 0x3a, payload[40] == 0x87 else {
                continue
            }
            let na = NDPEmulator.advertisement(
                destination: destination, source: source, etherType: etherType, payload: payload, network: network,
                node: a, staticIPs: staticIPs)
            let next = i + 1 < frames.count ? frames[i + 1] : []
            let nextIsEmulatedNA = next.count == 86 && MAC(bytes: next[0..<6]) == aMAC && next[14 + 40] == 0x88
            if let na {
                #expect(nextIsEmulatedNA, "frame \(i + 1): the real node answered this one too")
                #expect(na.bytes == next, "frame \(i + 1): advertisement bytes")
                answered += 1
            } else {
                #expect(!nextIsEmulatedNA || MAC(bytes: next[6..<12]) == aMAC, "frame \(i + 1): unanswered here")
                passed += 1
            }
        }
        #expect(answered == 3, "b's ::1, an address in b's /80, and b's RFC4193 address")
        #expect(passed > 0, "DAD and link-local solicitations are left alone")
    }

    @Test func notEmulated() throws {
        let network = Fixtures.testbedNetwork
        let a = try Address(hex: "ccd3c55330")
        let ips = [SixPlane(network: network, node: a).assignedAddress]
        let mac = MAC(node: a, network: network)
        func answer(_ f: EthernetFrame, ips: [IPPrefix] = ips) -> EthernetFrame? {
            NDPEmulator.advertisement(
                destination: f.destination, source: f.source, etherType: f.etherType, payload: f.payload,
                network: network, node: a, staticIPs: ips)
        }
        // Our own address (DAD), another network's prefix, and an address with a zero node part.
        #expect(answer(try Self.solicitation(target: "fc2b:b748:5acc:d3c5:5330::1", from: mac)) == nil)
        #expect(answer(try Self.solicitation(target: "fc2b:b748:5b76:3cb1:1903::1", from: mac)) == nil)
        #expect(answer(try Self.solicitation(target: "fc2b:b748:5a00:0:0::1", from: mac)) == nil)
        // Without a 6PLANE address of prefix length 40 there is nothing to match.
        #expect(answer(try Self.solicitation(target: "fc2b:b748:5a76:3cb1:1903::1", from: mac), ips: [try IPPrefix(parsing: "fc2b:b748:5acc:d3c5:5330::1/80")]) == nil)
        // Not a solicitation (an advertisement), unicast, truncated.
        var f = try Self.solicitation(target: "fc2b:b748:5a76:3cb1:1903::1", from: mac)
        #expect(answer(f) != nil)
        f.payload[40] = 0x88
        #expect(answer(f) == nil)
        f = try Self.solicitation(target: "fc2b:b748:5a76:3cb1:1903::1", from: mac)
        f.destination = MAC(node: try Address(hex: "763cb11903"), network: network)
        #expect(answer(f) == nil)
        f = try Self.solicitation(target: "fc2b:b748:5a76:3cb1:1903::1", from: mac)
        f.payload = Array(f.payload.prefix(63))
        #expect(answer(f) == nil)
    }
}
