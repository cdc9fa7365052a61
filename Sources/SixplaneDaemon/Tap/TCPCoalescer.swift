import SixplaneCore

/// Merges consecutive TCP segments of one IPv4 or IPv6 flow, received in one burst, into one large frame written with a
/// virtio-net header that marks it as a GSO packet: the kernel's TCP stack then handles one segment (one wake-up, one
/// ACK decision) instead of dozens, as it does for GRO on a real NIC. Segments merge only when nothing but the
/// sequence number, the checksum and PSH differs between them (and, for IPv4, the identification: merged only with
/// don't-fragment set, where RFC 6864 makes it meaningless), and they continue each other exactly.
///
/// One buffer, allocated once; the caller writes `frame` and calls `reset`.
struct TCPCoalescer {
    static let vnetHeaderLength = 10
    static let maxSegments = 64
    /// virtio_net_hdr: flags, gso_type.
    static let needsChecksum: UInt8 = 1
    static let gsoTCPv4: UInt8 = 1
    static let gsoTCPv6: UInt8 = 4

    private static let ethernet = EthernetHeader.length

    /// vnet header, Ethernet header, IP header, TCP header, data. Room for a 64 KiB IPv6 payload.
    private var buffer = [UInt8](repeating: 0, count: vnetHeaderLength + ethernet + 40 + 65_535)
    private(set) var length = 0
    private(set) var segments = 0
    private var mss = 0
    /// The pending segments' IP version and header lengths: a segment merges only if its own are the same.
    private var layout = TCPPacketLayout(ipv4: false, ipHeaderLength: 40, tcpHeaderLength: 20)
    private var ipv4: Bool { layout.ipv4 }
    private var ip: Int { layout.ipHeaderLength }
    private var tcpHeaderLength: Int { layout.tcpHeaderLength }
    private var tcpStart: Int { Self.ethernet + ip }
    private var nextSequence: UInt32 = 0
    private var closed = false
    private var source = MAC(rawValue: 0), destination = MAC(rawValue: 0)

    var isEmpty: Bool { segments == 0 }

    /// Takes an IPv4 or IPv6 frame's payload if it is a TCP data segment that continues the pending one (or, with
    /// nothing pending, any such segment). False: flush what is pending and write this frame as it is.
    /// The version inside must be the one the EtherType names: the source checks read the packet by its EtherType,
    /// and the merged frame is labelled by its version.
    mutating func add(source: MAC, destination: MAC, etherType: UInt16, payload p: UnsafeRawBufferPointer) -> Bool {
        guard let layout = TCPPacketLayout(p), etherType == layout.etherType else { return false }
        let ip = layout.ipHeaderLength, headerLength = layout.tcpHeaderLength
        // IPv4: a plain 20-byte header with don't-fragment, its total length the frame's; IPv6: its payload length.
        if layout.ipv4 {
            guard ip == 20, p[6] == 0x40, layout.ipLength(p) == p.count else { return false }
        } else {
            guard layout.ipLength(p) == p.count - ip else { return false }
        }
        let flags = p[ip + 13]
        // ACK, optionally PSH; nothing else (SYN, FIN, RST, URG, ECE, CWR end a merge).
        guard ip + headerLength < p.count, flags & ~0x08 == 0x10 else { return false }
        let dataLength = p.count - ip - headerLength
        let sequence = UInt32(p[ip + 4]) << 24 | UInt32(p[ip + 5]) << 16 | UInt32(p[ip + 6]) << 8 | UInt32(p[ip + 7])
        let push = flags & 0x08 != 0
        if segments == 0 {
            self.layout = layout
            start(source: source, destination: destination, payload: p, dataLength: dataLength, sequence: sequence)
            closed = push
            return true
        }
        guard !closed, segments < Self.maxSegments, layout == self.layout, sequence == nextSequence, dataLength <= mss,
            length - Self.vnetHeaderLength - Self.ethernet - (ipv4 ? 0 : ip) + dataLength <= 65_535,
            continues(source: source, destination: destination, payload: p)
        else { return false }
        buffer.withUnsafeMutableBytes { b in
            b.baseAddress!.advanced(by: length).copyMemory(from: p.baseAddress!.advanced(by: ip + headerLength), byteCount: dataLength)
        }
        length += dataLength
        segments += 1
        nextSequence = sequence &+ UInt32(dataLength)
        if push { buffer[Self.vnetHeaderLength + tcpStart + 13] |= 0x08 }
        closed = push || dataLength < mss
        return true
    }

    private mutating func start(
        source: MAC, destination: MAC, payload p: UnsafeRawBufferPointer, dataLength: Int, sequence: UInt32
    ) {
        let v = Self.vnetHeaderLength, etherType = layout.etherType
        for i in 0..<v { buffer[i] = 0 }
        buffer.withUnsafeMutableBytes { b in
            EthernetHeader.write(
                UnsafeMutableRawBufferPointer(rebasing: b[v...]), destination: destination, source: source, etherType: etherType)
            b.baseAddress!.advanced(by: v + Self.ethernet).copyMemory(from: p.baseAddress!, byteCount: p.count)
        }
        self.source = source
        self.destination = destination
        length = v + Self.ethernet + p.count
        segments = 1
        mss = dataLength
        nextSequence = sequence &+ UInt32(dataLength)
    }

    /// Same MACs, same IP header but the length (and IPv4's identification and checksum), same TCP header but
    /// sequence, checksum and PSH.
    private func continues(source: MAC, destination: MAC, payload p: UnsafeRawBufferPointer) -> Bool {
        let e = Self.vnetHeaderLength + Self.ethernet, t = e + ip
        guard destination == self.destination, source == self.source else { return false }
        for i in 0..<ip where ipv4 ? !(2..<6).contains(i) && i != 10 && i != 11 : i != 4 && i != 5 {
            if buffer[e + i] != p[i] { return false }
        }
        for i in 0..<tcpHeaderLength where !(4..<8).contains(i) && i != 16 && i != 17 {
            let mask: UInt8 = i == 13 ? 0xf7 : 0xff
            if buffer[t + i] & mask != p[ip + i] & mask { return false }
        }
        return true
    }

    /// The frame to write, vnet header first: unchanged (and a plain header) for one segment; for several, the IP
    /// length set (and IPv4's header checksum), the TCP checksum left to the kernel (pseudo-header sum in place,
    /// NEEDS_CSUM) and the GSO fields set so that the stack sees `mss`-sized segments.
    mutating func frame() -> ArraySlice<UInt8> {
        guard segments > 1 else { return buffer[..<length] }
        let v = Self.vnetHeaderLength, e = v + Self.ethernet, t = e + ip
        let tcpLength = length - t
        let ipv4 = self.ipv4, totalLength = length - e
        buffer.withUnsafeMutableBytes { b in
            let header = UnsafeMutableRawBufferPointer(rebasing: b[e..<t])
            if ipv4 {
                // The first segment's identification stays; the stack reads the header as one packet's.
                TCPPacketLayout.setIPv4Header(header, totalLength: totalLength, identification: UInt16(header[4]) << 8 | UInt16(header[5]))
            } else {
                header[4] = UInt8(tcpLength >> 8)
                header[5] = UInt8(truncatingIfNeeded: tcpLength)
            }
        }
        let addresses = (e + layout.addresses.lowerBound)..<(e + layout.addresses.upperBound)
        // The pseudo-header's sum, folded, not inverted: the kernel adds each segment to it.
        let sum = InternetChecksum.fold(
            buffer.withUnsafeBytes { InternetChecksum.pseudoHeader(addresses: UnsafeRawBufferPointer(rebasing: $0[addresses]), length: tcpLength, nextHeader: 6) })
        buffer[t + 16] = UInt8(sum >> 8)
        buffer[t + 17] = UInt8(truncatingIfNeeded: sum)
        // struct virtio_net_hdr, little-endian: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset.
        buffer[0] = Self.needsChecksum
        buffer[1] = ipv4 ? Self.gsoTCPv4 : Self.gsoTCPv6
        for (offset, value) in [(2, t - v + tcpHeaderLength), (4, mss), (6, t - v), (8, 16)] {
            buffer[offset] = UInt8(truncatingIfNeeded: value)
            buffer[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }
        return buffer[..<length]
    }

    mutating func reset() {
        segments = 0
        length = 0
        closed = false
    }
}
