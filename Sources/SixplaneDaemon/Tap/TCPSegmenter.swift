import SixplaneCore

/// Cuts a TCP super-segment that the kernel hands over with TSO (a virtio-net GSO_TCPV4 or GSO_TCPV6 frame) into
/// frames of at most its MSS, each with its own headers and complete checksums, as peers must receive them: the tap is
/// read once per 64 KiB instead of once per frame.
enum TCPSegmenter {
    /// Hands `emit` the IP packet of each segment of `packet` (IPv4 without fragmentation, or IPv6 carrying TCP
    /// directly), in order; false (and nothing emitted) if it is neither.
    static func cut(_ packet: UnsafeRawBufferPointer, mss: Int, emit: ([UInt8]) -> Void) -> Bool {
        guard mss > 0, let layout = TCPPacketLayout(packet) else { return false }
        let ip = layout.ipHeaderLength, headerLength = layout.tcpHeaderLength
        let data = UnsafeRawBufferPointer(rebasing: packet[(ip + headerLength)...])
        let first = UInt32(bigEndian: packet.loadUnaligned(fromByteOffset: ip + 4, as: UInt32.self))
        let flags = packet[ip + 13]
        // IPv4 segments take consecutive identifications from the first, as the kernel's own segmentation gives them.
        let firstID = layout.ipv4 ? UInt16(packet[4]) << 8 | UInt16(packet[5]) : 0
        let count = max(1, (data.count + mss - 1) / mss)
        for n in 0..<count {
            let start = n * mss, end = min(data.count, start + mss)
            let tcpLength = headerLength + end - start
            var segment = [UInt8](repeating: 0, count: ip + tcpLength)
            segment.withUnsafeMutableBytes { s in
                s.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[..<(ip + headerLength)]))
                UnsafeMutableRawBufferPointer(rebasing: s[(ip + headerLength)...])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: data[start..<end]))
                if layout.ipv4 {
                    TCPPacketLayout.setIPv4Header(s, totalLength: ip + tcpLength, identification: firstID &+ UInt16(truncatingIfNeeded: n))
                } else {
                    s[4] = UInt8(tcpLength >> 8)
                    s[5] = UInt8(truncatingIfNeeded: tcpLength)
                }
                s.storeBytes(of: (first &+ UInt32(start)).bigEndian, toByteOffset: ip + 4, as: UInt32.self)
                // FIN and PSH belong to the last segment, CWR to the first.
                var f = flags
                if n < count - 1 { f &= ~0x09 }
                if n > 0 { f &= ~0x80 }
                s[ip + 13] = f
                s[ip + 16] = 0
                s[ip + 17] = 0
                let pseudo = InternetChecksum.pseudoHeader(
                    addresses: UnsafeRawBufferPointer(rebasing: s[layout.addresses]), length: tcpLength, nextHeader: 6)
                let sum = ~InternetChecksum.fold(InternetChecksum.add(UnsafeRawBufferPointer(rebasing: s[ip...]), to: pseudo))
                s[ip + 16] = UInt8(sum >> 8)
                s[ip + 17] = UInt8(truncatingIfNeeded: sum)
            }
            emit(segment)
        }
        return true
    }
}
