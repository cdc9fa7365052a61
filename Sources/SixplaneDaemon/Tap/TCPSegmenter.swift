import SixplaneCore

/// Cuts a TCP super-segment that the kernel hands over with TSO (a virtio-net GSO_TCPV6 frame) into frames of at
/// most its MSS, each with its own headers and complete checksum, as peers must receive them: the tap is read once
/// per 64 KiB instead of once per frame.
enum TCPSegmenter {
    /// Hands `emit` the IPv6 payload of each segment of `packet` (an IPv6 packet carrying TCP directly), in order;
    /// false (and nothing emitted) if it is not one.
    static func cut(_ packet: UnsafeRawBufferPointer, mss: Int, emit: ([UInt8]) -> Void) -> Bool {
        let ip = 40
        guard mss > 0, packet.count >= ip + 20, packet[0] >> 4 == 6, packet[6] == 6 else { return false }
        let headerLength = Int(packet[ip + 12] >> 4) * 4
        guard headerLength >= 20, ip + headerLength <= packet.count else { return false }
        let data = UnsafeRawBufferPointer(rebasing: packet[(ip + headerLength)...])
        let first = UInt32(bigEndian: packet.loadUnaligned(fromByteOffset: ip + 4, as: UInt32.self))
        let flags = packet[ip + 13]
        let count = max(1, (data.count + mss - 1) / mss)
        for n in 0..<count {
            let start = n * mss, end = min(data.count, start + mss)
            let tcpLength = headerLength + end - start
            var segment = [UInt8](repeating: 0, count: ip + tcpLength)
            segment.withUnsafeMutableBytes { s in
                s.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[..<(ip + headerLength)]))
                UnsafeMutableRawBufferPointer(rebasing: s[(ip + headerLength)...])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: data[start..<end]))
                s[4] = UInt8(tcpLength >> 8)
                s[5] = UInt8(truncatingIfNeeded: tcpLength)
                s.storeBytes(of: (first &+ UInt32(start)).bigEndian, toByteOffset: ip + 4, as: UInt32.self)
                // FIN and PSH belong to the last segment, CWR to the first.
                var f = flags
                if n < count - 1 { f &= ~0x09 }
                if n > 0 { f &= ~0x80 }
                s[ip + 13] = f
                s[ip + 16] = 0
                s[ip + 17] = 0
                let pseudo = InternetChecksum.pseudoHeader(
                    addresses: UnsafeRawBufferPointer(rebasing: s[8..<40]), length: tcpLength, nextHeader: 6)
                let sum = ~InternetChecksum.fold(InternetChecksum.add(UnsafeRawBufferPointer(rebasing: s[ip...]), to: pseudo))
                s[ip + 16] = UInt8(sum >> 8)
                s[ip + 17] = UInt8(truncatingIfNeeded: sum)
            }
            emit(segment)
        }
        return true
    }
}
