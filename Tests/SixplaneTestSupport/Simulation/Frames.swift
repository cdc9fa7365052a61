import SixplaneCore

/// Frames as a host kernel would write them into a tap.
public enum TestFrames {
    /// An ICMPv6 echo request from `source` to `destination`.
    /// `padding` bytes of data after "sixplane" make it as large as wanted.
    public static func ping6(
        from source: IPv6Address, to destination: IPv6Address, sourceMAC: MAC, destinationMAC: MAC, id: UInt16 = 1, padding: Int = 0
    ) -> EthernetFrame {
        var icmp: [UInt8] = [128, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), 0, 1] + Array("sixplane".utf8)
        icmp += (0..<padding).map { UInt8(truncatingIfNeeded: $0) }
        let sum = NDPEmulator.icmpv6Checksum(source: source.bytes, destination: destination.bytes, icmp: icmp)
        icmp[2] = UInt8(sum >> 8)
        icmp[3] = UInt8(sum & 0xff)
        var p: [UInt8] = [0x60, 0, 0, 0, UInt8(icmp.count >> 8), UInt8(icmp.count & 0xff), 58, 64]
        p += source.bytes + destination.bytes + icmp
        return EthernetFrame(destination: destinationMAC, source: sourceMAC, etherType: 0x86dd, payload: p)
    }

    /// A neighbor solicitation for `target` from `source` (:: for duplicate address detection).
    public static func neighborSolicitation(target: IPv6Address, source: IPv6Address, sourceMAC: MAC) -> EthernetFrame {
        let group = MulticastGroup.solicitedNode(target)
        let destination = IPv6Address(high: 0xff02_0000_0000_0000, low: 0x0000_0001_ff00_0000 | (target.low & 0xff_ffff))
        var icmp: [UInt8] = [0x87, 0, 0, 0, 0, 0, 0, 0] + target.bytes + [1, 1] + sourceMAC.bytes
        let sum = NDPEmulator.icmpv6Checksum(source: source.bytes, destination: destination.bytes, icmp: icmp)
        icmp[2] = UInt8(sum >> 8)
        icmp[3] = UInt8(sum & 0xff)
        var p: [UInt8] = [0x60, 0, 0, 0, 0, UInt8(icmp.count), 58, 255]
        p += source.bytes + destination.bytes + icmp
        return EthernetFrame(destination: group.mac, source: sourceMAC, etherType: 0x86dd, payload: p)
    }

    /// An ARP request for `target` from `sender`.
    public static func arpRequest(sender: IPv4Address, target: IPv4Address, senderMAC: MAC) -> EthernetFrame {
        let p: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 1] + senderMAC.bytes + sender.bytes + [0, 0, 0, 0, 0, 0] + target.bytes
        return EthernetFrame(destination: .broadcast, source: senderMAC, etherType: 0x0806, payload: p)
    }

    /// An IPv4 UDP datagram (no checksum).
    public static func udp4(from source: IPv4Address, to destination: IPv4Address, sourceMAC: MAC, destinationMAC: MAC) -> EthernetFrame {
        var p: [UInt8] = [0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0] + source.bytes + destination.bytes
        p += [0x30, 0x39, 0x30, 0x39, 0, 12, 0, 0, 1, 2, 3, 4]
        return EthernetFrame(destination: destinationMAC, source: sourceMAC, etherType: 0x0800, payload: p)
    }
}
