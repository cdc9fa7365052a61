import SixplaneCore

/// Where the parts of an IP packet carrying TCP lie, for the two shapes segmentation and merging handle: IPv4 that
/// is not a fragment, and IPv6 with TCP right after the fixed header (no extension headers).
struct TCPPacketLayout: Equatable {
    let ipv4: Bool
    let ipHeaderLength: Int
    let tcpHeaderLength: Int

    init(ipv4: Bool, ipHeaderLength: Int, tcpHeaderLength: Int) {
        self.ipv4 = ipv4
        self.ipHeaderLength = ipHeaderLength
        self.tcpHeaderLength = tcpHeaderLength
    }

    /// nil if the packet is neither shape, or its headers do not fit in it.
    init?(_ p: UnsafeRawBufferPointer) {
        guard p.count >= 40 else { return nil }
        switch p[0] >> 4 {
        case 4:
            let ihl = Int(p[0] & 0x0f) * 4
            // Protocol TCP, no more-fragments flag, offset 0.
            guard ihl >= 20, p[9] == 6, p[6] & 0x3f == 0, p[7] == 0 else { return nil }
            ipv4 = true
            ipHeaderLength = ihl
        case 6:
            guard p[6] == 6 else { return nil }
            ipv4 = false
            ipHeaderLength = 40
        default:
            return nil
        }
        guard ipHeaderLength + 20 <= p.count else { return nil }
        tcpHeaderLength = Int(p[ipHeaderLength + 12] >> 4) * 4
        guard tcpHeaderLength >= 20, ipHeaderLength + tcpHeaderLength <= p.count else { return nil }
    }

    /// The EtherType a frame carrying this packet has.
    var etherType: UInt16 { ipv4 ? 0x0800 : 0x86dd }

    /// The source and destination addresses, as the TCP pseudo-header sums them.
    var addresses: Range<Int> { ipv4 ? 12..<20 : 8..<40 }

    /// The IP header's length field: IPv4's total length, IPv6's payload length.
    func ipLength(_ p: UnsafeRawBufferPointer) -> Int { Int(p[2 + (ipv4 ? 0 : 2)]) << 8 | Int(p[3 + (ipv4 ? 0 : 2)]) }

    /// Writes an IPv4 header's total length and identification and recomputes its checksum.
    static func setIPv4Header(_ s: UnsafeMutableRawBufferPointer, totalLength: Int, identification: UInt16) {
        s[2] = UInt8(totalLength >> 8)
        s[3] = UInt8(truncatingIfNeeded: totalLength)
        s[4] = UInt8(identification >> 8)
        s[5] = UInt8(truncatingIfNeeded: identification)
        setIPv4Checksum(s)
    }

    static func setIPv4Checksum(_ s: UnsafeMutableRawBufferPointer) {
        let ihl = Int(s[0] & 0x0f) * 4
        s[10] = 0
        s[11] = 0
        let sum = ~InternetChecksum.fold(InternetChecksum.add(UnsafeRawBufferPointer(rebasing: s[..<ihl]), to: 0))
        s[10] = UInt8(sum >> 8)
        s[11] = UInt8(truncatingIfNeeded: sum)
    }
}
