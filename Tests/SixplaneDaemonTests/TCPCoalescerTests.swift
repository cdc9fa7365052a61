import SixplaneCore
import Testing

@testable import SixplaneDaemon

/// The merging of received TCP segments into one GSO write: what merges, what does not, and the header fields the
/// kernel relies on (its TCP stack then accepts the frame, which the namespace tests and the bench show end to end).
@Suite struct TCPCoalescerTests {
    static let a = MAC(rawValue: 0x32_11_22_33_44_55), b = MAC(rawValue: 0x32_66_77_88_99_aa)

    /// An IPv6 TCP segment (payload of an Ethernet frame) with a 12-byte timestamp option.
    static func segment(
        sequence: UInt32, length: Int, flags: UInt8 = 0x10, sourcePort: UInt16 = 40000, timestamp: UInt32 = 7
    ) -> [UInt8] {
        let tcpLength = 32 + length
        var p: [UInt8] = [0x60, 0, 0, 0, UInt8(tcpLength >> 8), UInt8(tcpLength & 0xff), 6, 64]
        p += [0xfc, 1] + [UInt8](repeating: 0, count: 13) + [1]  // source
        p += [0xfc, 2] + [UInt8](repeating: 0, count: 13) + [1]  // destination
        p += [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xff), 0x14, 0x51]
        p += withUnsafeBytes(of: sequence.bigEndian) { Array($0) }
        p += [0, 0, 0x10, 0x01, 0x80, flags, 0x01, 0xf5, 0xab, 0xcd, 0, 0]  // ack, doff 8, flags, window, checksum, urg
        p += [1, 1, 8, 10] + withUnsafeBytes(of: timestamp.bigEndian) { Array($0) } + [0, 0, 0, 9]
        p += (0..<length).map { UInt8(truncatingIfNeeded: Int(sequence) + $0) }
        return p
    }

    /// The same segment over IPv4: a 20-byte header with don't-fragment (`flags` 0x40) and identification `id`.
    static func segment4(
        sequence: UInt32, length: Int, flags: UInt8 = 0x10, sourcePort: UInt16 = 40000, timestamp: UInt32 = 7, id: UInt16 = 77,
        ipFlags: UInt8 = 0x40
    ) -> [UInt8] {
        let v6 = segment(sequence: sequence, length: length, flags: flags, sourcePort: sourcePort, timestamp: timestamp)
        let total = 20 + v6.count - 40
        var p: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xff), UInt8(id >> 8), UInt8(id & 0xff), ipFlags, 0, 64, 6, 0, 0]
        p += [10, 147, 17, 1, 10, 147, 17, 2]
        p.withUnsafeMutableBytes { TCPPacketLayout.setIPv4Checksum($0) }
        return p + v6[40...]
    }

    /// Feeds segments as the tap does; returns the frames written (vnet header first).
    static func feed(_ segments: [[UInt8]], etherType: UInt16 = 0x86dd) -> (frames: [[UInt8]], plain: Int) {
        var c = TCPCoalescer()
        var frames: [[UInt8]] = [], plain = 0
        for s in segments {
            let taken = s.withUnsafeBytes { p in
                if c.add(source: a, destination: b, etherType: etherType, payload: p) { return true }
                if !c.isEmpty { frames.append(Array(c.frame())); c.reset() }
                return c.add(source: a, destination: b, etherType: etherType, payload: p)
            }
            if !taken { plain += 1 }
        }
        if !c.isEmpty { frames.append(Array(c.frame())) }
        return (frames, plain)
    }

    static func le16(_ f: [UInt8], _ at: Int) -> Int { Int(f[at]) | Int(f[at + 1]) << 8 }

    @Test func consecutiveSegmentsBecomeOneGSOFrame() {
        let segments = (0..<10).map { Self.segment(sequence: 1000 + UInt32($0) * 1400, length: 1400) }
        let (frames, plain) = Self.feed(segments)
        #expect(frames.count == 1 && plain == 0)
        let f = frames[0]
        #expect(f[0] == TCPCoalescer.needsChecksum && f[1] == TCPCoalescer.gsoTCPv6)
        #expect(Self.le16(f, 2) == 14 + 40 + 32 && Self.le16(f, 4) == 1400 && Self.le16(f, 6) == 54 && Self.le16(f, 8) == 16)
        let frame = Array(f[10...])
        #expect(frame[12] == 0x86 && frame[13] == 0xdd)
        let ip = Array(frame[14...])
        #expect(Int(ip[4]) << 8 | Int(ip[5]) == 32 + 14_000, "IPv6 payload length covers every segment")
        #expect(Array(ip[72...]) == segments.flatMap { $0[72...] }, "data in order")
        // The checksum field holds the pseudo-header sum: summing the whole segment over it gives a valid checksum.
        var buffer = f
        TapDevice.completeChecksum(&buffer, frameStart: 10, end: buffer.count)
        var sum: UInt32 = UInt32(32 + 14_000) + 6
        for i in stride(from: 10 + 14 + 8, to: 10 + 14 + 40, by: 2) { sum += UInt32(buffer[i]) << 8 | UInt32(buffer[i + 1]) }
        for i in stride(from: 10 + 54, to: buffer.count - 1, by: 2) { sum += UInt32(buffer[i]) << 8 | UInt32(buffer[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        #expect(sum == 0xffff, "completed checksum verifies")
    }

    @Test func aSingleSegmentIsWrittenUnchanged() {
        let s = Self.segment(sequence: 5, length: 100)
        let (frames, _) = Self.feed([s])
        #expect(frames.count == 1 && frames[0][..<10].allSatisfy { $0 == 0 } && Array(frames[0][24...]) == s)
    }

    @Test(arguments: [
        // (description, second segment, merged into one frame, plain writes)
        ("a gap in the sequence", Self.segment(sequence: 1000 + 1400 + 1, length: 1400), false, 0),
        ("another flow", Self.segment(sequence: 1000 + 1400, length: 1400, sourcePort: 40001), false, 0),
        ("a new timestamp", Self.segment(sequence: 1000 + 1400, length: 1400, timestamp: 8), false, 0),
        ("a longer segment", Self.segment(sequence: 1000 + 1400, length: 1500), false, 0),
        ("a FIN", Self.segment(sequence: 1000 + 1400, length: 1400, flags: 0x11), false, 1),
        ("a pure ACK", Self.segment(sequence: 1000 + 1400, length: 0), false, 1),
        ("the next segment", Self.segment(sequence: 1000 + 1400, length: 1400), true, 0),
        ("a shorter last segment", Self.segment(sequence: 1000 + 1400, length: 10), true, 0),
    ])
    func whatMerges(_ what: String, second: [UInt8], merges: Bool, plain: Int) {
        let (frames, written) = Self.feed([Self.segment(sequence: 1000, length: 1400), second])
        #expect(frames.count + written == (merges ? 1 : 2), "\(what)")
        #expect(written == plain, "\(what)")
    }

    @Test func pushAndShortSegmentsEndAMerge() {
        let push = [Self.segment(sequence: 0, length: 1000), Self.segment(sequence: 1000, length: 1000, flags: 0x18), Self.segment(sequence: 2000, length: 1000)]
        #expect(Self.feed(push).frames.count == 2)
        #expect(Self.feed(push).frames[0][10 + 14 + 40 + 13] == 0x18, "PSH carried to the merged header")
        let short = [Self.segment(sequence: 0, length: 1000), Self.segment(sequence: 1000, length: 500), Self.segment(sequence: 1500, length: 500)]
        #expect(Self.feed(short).frames.count == 2)
    }

    /// A TSO super-segment read from the tap is cut into MSS-sized segments with their own sequence numbers, flags
    /// and valid checksums; merging them again gives the same data back.
    @Test func superSegmentsAreCutIntoValidSegments() throws {
        var big = Self.segment(sequence: 0xffff_f000, length: 10_000, flags: 0x19)  // ACK PSH FIN; the sequence wraps
        big[40 + 16] = 0x12  // the partial checksum the kernel leaves: ignored
        var segments: [[UInt8]] = []
        #expect(big.withUnsafeBytes { TCPSegmenter.cut($0, mss: 1400) { segments.append($0) } })
        #expect(segments.count == 8)
        for (n, s) in segments.enumerated() {
            let length = Int(s[4]) << 8 | Int(s[5])
            #expect(length == s.count - 40 && s.count - 72 == (n < 7 ? 1400 : 10_000 - 7 * 1400))
            let sequence = UInt32(s[44]) << 24 | UInt32(s[45]) << 16 | UInt32(s[46]) << 8 | UInt32(s[47])
            #expect(sequence == 0xffff_f000 &+ UInt32(n * 1400))
            #expect(s[53] == (n < 7 ? 0x10 : 0x19), "PSH and FIN only on the last")
            let sum = s.withUnsafeBytes {
                InternetChecksum.fold(
                    InternetChecksum.add(UnsafeRawBufferPointer(rebasing: $0[40...]),
                        to: InternetChecksum.pseudoHeader(addresses: UnsafeRawBufferPointer(rebasing: $0[8..<40]), length: length, nextHeader: 6)))
            }
            #expect(sum == 0xffff, "segment \(n) checksum verifies")
        }
        #expect(segments.flatMap { $0[72...] } == Array(big[72...]))
        let merged = Self.feed(Array(segments.dropLast()))
        #expect(merged.frames.count == 1 && Array(merged.frames[0][(10 + 14 + 72)...]) == Array(big[72..<(72 + 7 * 1400)]))
        var none = 0
        #expect([UInt8](repeating: 0, count: 30).withUnsafeBytes { TCPSegmenter.cut($0, mss: 1400) { _ in none += 1 } } == false, "not IPv6")
        #expect(none == 0)
    }

    /// Sums a TCP segment (IP packet) over its pseudo-header: 0xffff when its checksum is right.
    static func tcpSum(_ s: [UInt8], ip: Int, addresses: Range<Int>) -> UInt16 {
        s.withUnsafeBytes {
            InternetChecksum.fold(
                InternetChecksum.add(UnsafeRawBufferPointer(rebasing: $0[ip...]),
                    to: InternetChecksum.pseudoHeader(addresses: UnsafeRawBufferPointer(rebasing: $0[addresses]), length: s.count - ip, nextHeader: 6)))
        }
    }

    static func ipv4HeaderSum(_ s: ArraySlice<UInt8>) -> UInt16 {
        Array(s.prefix(20)).withUnsafeBytes { InternetChecksum.fold(InternetChecksum.add($0)) }
    }

    @Test func consecutiveIPv4SegmentsBecomeOneGSOFrame() {
        let segments = (0..<10).map { Self.segment4(sequence: 1000 + UInt32($0) * 1400, length: 1400, id: 77 + UInt16($0)) }
        let (frames, plain) = Self.feed(segments, etherType: 0x0800)
        #expect(frames.count == 1 && plain == 0)
        let f = frames[0]
        #expect(f[0] == TCPCoalescer.needsChecksum && f[1] == TCPCoalescer.gsoTCPv4)
        #expect(Self.le16(f, 2) == 14 + 20 + 32 && Self.le16(f, 4) == 1400 && Self.le16(f, 6) == 34 && Self.le16(f, 8) == 16)
        #expect(f[10 + 12] == 0x08 && f[10 + 13] == 0x00)
        let ip = f[(10 + 14)...]
        #expect(Int(ip[ip.startIndex + 2]) << 8 | Int(ip[ip.startIndex + 3]) == 20 + 32 + 14_000, "total length covers every segment")
        #expect(Self.ipv4HeaderSum(ip) == 0xffff, "the merged header's checksum verifies")
        #expect(Array(ip.dropFirst(52)) == segments.flatMap { $0[52...] }, "data in order")
        var buffer = f
        TapDevice.completeChecksum(&buffer, frameStart: 10, end: buffer.count)
        #expect(Self.tcpSum(Array(buffer[24...]), ip: 20, addresses: 12..<20) == 0xffff, "completed checksum verifies")
    }

    @Test(arguments: [
        // (description, second segment, EtherType it arrives with, merged into one frame)
        ("IPv4, the next segment", Self.segment4(sequence: 1000 + 1400, length: 1400, id: 78), UInt16(0x0800), true),
        ("IPv4, the same identification", Self.segment4(sequence: 1000 + 1400, length: 1400), 0x0800, true),
        ("IPv4 without don't-fragment", Self.segment4(sequence: 1000 + 1400, length: 1400, ipFlags: 0), 0x0800, false),
        ("IPv4, a gap", Self.segment4(sequence: 1000 + 1401, length: 1400), 0x0800, false),
        ("IPv4, another flow", Self.segment4(sequence: 1000 + 1400, length: 1400, sourcePort: 40001), 0x0800, false),
        ("IPv6 after IPv4", Self.segment(sequence: 1000 + 1400, length: 1400), 0x86dd, false),
        ("IPv6 labelled IPv4", Self.segment(sequence: 1000 + 1400, length: 1400), 0x0800, false),
    ])
    func whatMergesOverIPv4(_ what: String, second: [UInt8], etherType: UInt16, merges: Bool) {
        var c = TCPCoalescer()
        let first = Self.segment4(sequence: 1000, length: 1400)
        #expect(first.withUnsafeBytes { c.add(source: Self.a, destination: Self.b, etherType: 0x0800, payload: $0) })
        let took = second.withUnsafeBytes { c.add(source: Self.a, destination: Self.b, etherType: etherType, payload: $0) }
        #expect(took == merges, "\(what)")
        var fresh = TCPCoalescer()
        #expect(!Self.segment(sequence: 0, length: 100).withUnsafeBytes { fresh.add(source: Self.a, destination: Self.b, etherType: 0x0800, payload: $0) },
            "an IPv6 packet labelled IPv4 is never taken (the source checks read it as IPv4)")
    }

    /// An IPv4 super-segment: consecutive identifications, each header's checksum, lengths and TCP checksums valid.
    @Test func ipv4SuperSegmentsAreCutIntoValidSegments() {
        let big = Self.segment4(sequence: 0xffff_f000, length: 10_000, flags: 0x19, id: 0xfffe)
        var segments: [[UInt8]] = []
        #expect(big.withUnsafeBytes { TCPSegmenter.cut($0, mss: 1448) { segments.append($0) } })
        #expect(segments.count == 7)
        for (n, s) in segments.enumerated() {
            #expect(Int(s[2]) << 8 | Int(s[3]) == s.count && s.count - 52 == (n < 6 ? 1448 : 10_000 - 6 * 1448))
            #expect(UInt16(s[4]) << 8 | UInt16(s[5]) == 0xfffe &+ UInt16(n), "identification")
            #expect(Self.ipv4HeaderSum(s[...]) == 0xffff, "segment \(n) header checksum")
            #expect(Self.tcpSum(s, ip: 20, addresses: 12..<20) == 0xffff, "segment \(n) TCP checksum")
            #expect(s[33] == (n < 6 ? 0x10 : 0x19), "PSH and FIN only on the last")
        }
        #expect(segments.flatMap { $0[52...] } == Array(big[52...]))
        var fragment = big
        fragment[6] = 0x20  // more fragments
        #expect(!fragment.withUnsafeBytes { TCPSegmenter.cut($0, mss: 1448) { _ in } }, "a fragment is not cut")
    }

    /// A checksum left partial by the kernel (NEEDS_CSUM) is completed over the frame; a UDP result of 0 goes as 0xffff.
    @Test func partialChecksumsAreCompleted() {
        var frame = [UInt8](repeating: 0, count: 10) + [UInt8](repeating: 0, count: 14) + Self.segment(sequence: 9, length: 333)
        let start = 14 + 40, field = start + 16
        frame[6] = UInt8(start)  // csum_start, little-endian
        frame[8] = 16  // csum_offset
        let sum = frame.withUnsafeBytes {
            InternetChecksum.fold(InternetChecksum.pseudoHeader(addresses: UnsafeRawBufferPointer(rebasing: $0[(10 + 14 + 8)..<(10 + 14 + 40)]), length: 32 + 333, nextHeader: 6))
        }
        frame[10 + field] = UInt8(sum >> 8)
        frame[10 + field + 1] = UInt8(sum & 0xff)
        TapDevice.completeChecksum(&frame, frameStart: 10, end: frame.count)
        let verify = frame.withUnsafeBytes {
            InternetChecksum.fold(
                InternetChecksum.add(UnsafeRawBufferPointer(rebasing: $0[(10 + start)...]),
                    to: InternetChecksum.pseudoHeader(addresses: UnsafeRawBufferPointer(rebasing: $0[(10 + 14 + 8)..<(10 + 14 + 40)]), length: 32 + 333, nextHeader: 6)))
        }
        #expect(verify == 0xffff)

        // UDP (checksum at offset 6) over bytes whose sum is 0xffff: the complement 0 is sent as 0xffff.
        var udp = [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 0, 0, 0, 0, 0, 0]
        udp[6] = 0
        udp[8] = 6
        TapDevice.completeChecksum(&udp, frameStart: 10, end: udp.count)
        #expect(udp[16] == 0xff && udp[17] == 0xff)
    }
}
