import CSixplaneTap
import SixplaneCore

/// Frames a hostile member writes into its own tap to claim another member's addresses: gratuitous ARP and
/// unsolicited neighbor advertisements. Used by the ownership tests, in the simulation and with real daemons
/// (`sixplane-lab forge`).
public enum ForgedFrames {
    /// An ARP reply ("`sender` is at `senderMAC`") to `destination` (broadcast: a gratuitous ARP), sent from
    /// `from` (default: `senderMAC`).
    public static func arpReply(
        sender: IPv4Address, senderMAC: MAC, target: IPv4Address, targetMAC: MAC, destination: MAC = .broadcast,
        from: MAC? = nil
    ) -> EthernetFrame {
        let p: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 2] + senderMAC.bytes + sender.bytes + targetMAC.bytes + target.bytes
        return EthernetFrame(destination: destination, source: from ?? senderMAC, etherType: 0x0806, payload: p)
    }

    /// An unsolicited neighbor advertisement (override set) saying `target` is at `advertisedMAC`, from `source`
    /// to all nodes, or to `destination`; with `hopByHop` wrapped in an empty hop-by-hop options header, which
    /// kernels accept as well.
    public static func neighborAdvertisement(
        target: IPv6Address, advertisedMAC: MAC, source: IPv6Address, sourceMAC: MAC,
        destination: IPv6Address = IPv6Address(high: 0xff02_0000_0000_0000, low: 1), destinationMAC: MAC? = nil,
        hopByHop: Bool = false
    ) -> EthernetFrame {
        var icmp: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0] + target.bytes + [2, 1] + advertisedMAC.bytes
        let sum = NDPEmulator.icmpv6Checksum(source: source.bytes, destination: destination.bytes, icmp: icmp)
        icmp[2] = UInt8(sum >> 8)
        icmp[3] = UInt8(sum & 0xff)
        let body = hopByHop ? [58, 0, 1, 4, 0, 0, 0, 0] + icmp : icmp
        var p: [UInt8] = [0x60, 0, 0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xff), hopByHop ? 0 : 58, 255]
        p += source.bytes + destination.bytes + body
        let mac = destinationMAC ?? MAC(rawValue: 0x3333_0000_0001)
        return EthernetFrame(destination: mac, source: sourceMAC, etherType: 0x86dd, payload: p)
    }
}

extension ForgedFrames {
    /// Writes one frame onto `interface` (AF_PACKET); the bytes sent, or -errno.
    public static func write(_ frame: UnsafeRawBufferPointer, onto interface: String) -> Int {
        Int(sixplane_packet_send(interface, frame.baseAddress, UInt(frame.count)))
    }
}
