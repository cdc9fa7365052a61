import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct FragmentationTests {
    static func packet(length: Int, seed: UInt64 = 1) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        var p = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        p[13] = 0x12  // a source, not the fragment indicator
        p[18] = Packet.flagFragmented
        return p
    }

    /// Feeds datagrams (head = packet, others = fragments) and returns what was delivered.
    static func feed(_ r: Reassembler, _ datagrams: [[UInt8]], now: Int64 = 0) -> ([[UInt8]], [Reassembler.Outcome]) {
        var delivered: [[UInt8]] = []
        var outcomes: [Reassembler.Outcome] = []
        for d in datagrams {
            let outcome = d.withUnsafeBytes { raw in
                raw[13] == 0xff
                    ? r.receiveFragment(raw, now: now) { delivered.append(Array($0)) }
                    : r.receiveHead(raw, now: now) { delivered.append(Array($0)) }
            }
            outcomes.append(outcome)
        }
        return (delivered, outcomes)
    }

    @Test func theCapturedSizeSplitsLikeZeroTier() {
        // 1.14.1 sent a 2086-byte packet as a 1432-byte head and a 670-byte fragment.
        let parts = Fragmentation.split(Self.packet(length: 2086))
        #expect(parts.map(\.count) == [1432, 670])
        #expect(parts[1][13] == 0xff && parts[1][14] == 0x21 && parts[1][15] == 0)
        #expect(Fragmentation.datagramCount(length: Packet.maxSendableLength) == 7)
        #expect(Fragmentation.datagramCount(length: Packet.maxSendableLength + 1) == 8)
        #expect(Fragmentation.datagramCount(length: 1432) == 1)
        #expect(Fragmentation.split(Self.packet(length: 1432)).count == 1)
    }

    @Test(arguments: [1433, 2086, 2848, 5000, Packet.maxSendableLength])
    func everyOrderWithDuplicatesReassembles(length: Int) {
        let original = Self.packet(length: length, seed: UInt64(length))
        let parts = Fragmentation.split(original)
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<20 {
            var order = parts + [parts[Int.random(in: 0..<parts.count, using: &rng)]]
            order.shuffle(using: &rng)
            let r = Reassembler()
            let (delivered, outcomes) = Self.feed(r, order)
            #expect(delivered == [original])
            #expect(outcomes.filter { $0 == .completed }.count == 1)
            #expect(r.pending <= 1)  // a duplicate arriving after completion opens a slot that later expires
        }
    }

    @Test(arguments: [100, 1432, 1433, 2086, 2848, 5000, Packet.maxSendableLength])
    func evenSplitsKeepTheCountAndReassemble(length: Int) {
        let original = Self.packet(length: length, seed: UInt64(length))
        let size = Fragmentation.evenPieceSize(length: length)
        var out = [UInt8](repeating: 0, count: length + 7 * Fragmentation.headerLength)
        let written = original.withUnsafeBytes { p in out.withUnsafeMutableBytes { Fragmentation.write(p, pieceSize: size, into: $0) } }
        #expect(written.datagrams == Fragmentation.datagramCount(length: length), "as many datagrams as ZeroTier's split")
        #expect(written.bytes == length + (written.datagrams - 1) * Fragmentation.headerLength)
        let parts = stride(from: 0, to: written.bytes, by: size).map { Array(out[$0..<min($0 + size, written.bytes)]) }
        #expect(parts.count == written.datagrams)
        #expect(parts.dropLast().allSatisfy { $0.count == size } && parts.last!.count <= size && size <= Packet.defaultPhysicalMTU)
        #expect(size - parts.last!.count < written.datagrams, "as even as the length allows")
        guard written.datagrams > 1 else {
            #expect(parts == [original], "a packet that fits goes whole")
            return
        }
        var rng = SeededGenerator(seed: 3)
        let (delivered, _) = Self.feed(Reassembler(), parts.shuffled(using: &rng))
        #expect(delivered == [original])
        // ZeroTier's split written the same way is what `split` gives.
        do {
            var zt = [UInt8](repeating: 0, count: out.count)
            let n = original.withUnsafeBytes { p in zt.withUnsafeMutableBytes { Fragmentation.write(p, pieceSize: Packet.defaultPhysicalMTU, into: $0) } }
            #expect(Array(zt[..<n.bytes]) == Fragmentation.split(original).flatMap { $0 })
        }
    }

    @Test func incompletePacketsExpire() {
        let parts = Fragmentation.split(Self.packet(length: 3000))
        let r = Reassembler(capacity: 4, timeout: 1000)
        _ = Self.feed(r, [parts[0], parts[1]], now: 0)
        #expect(r.pending == 1)
        r.expire(now: 2000)
        #expect(r.pending == 0 && r.expired == 1)
        let (late, _) = Self.feed(r, [parts[2]], now: 2000)
        #expect(late.isEmpty)
    }

    @Test func memoryIsBoundedByEvictingTheOldest() {
        let r = Reassembler(capacity: 8)
        for i in 0..<100 {
            var p = Self.packet(length: 3000, seed: UInt64(i))
            p[0] = UInt8(i)  // distinct ids
            _ = Self.feed(r, [Fragmentation.split(p)[0]], now: Int64(i))
        }
        #expect(r.pending == 8 && r.evicted == 92)
    }

    /// Forged heads and fragments from one source, at any rate, never push out another source's packet: the flood
    /// only recycles its own slots, and the other packet still completes.
    @Test func oneSourceCannotEvictAnothersPackets() {
        let r = Reassembler(capacity: 32, perSource: 8)
        let peer = InetAddress.ipv4(IPv4Address(192, 0, 2, 10), port: 9993)
        let attacker = InetAddress.ipv4(IPv4Address(198, 51, 100, 66), port: 9993)
        let original = Self.packet(length: 3000, seed: 77)
        let parts = Fragmentation.split(original)
        var delivered: [[UInt8]] = []
        _ = parts[0].withUnsafeBytes { r.receiveHead($0, from: peer, now: 0) { delivered.append(Array($0)) } }
        var junk = Fragmentation.split(Self.packet(length: 3000, seed: 1000))[1]
        for i in 0..<10_000 {
            junk[0] = UInt8(truncatingIfNeeded: i)
            junk[1] = UInt8(truncatingIfNeeded: i >> 8)
            _ = junk.withUnsafeBytes { r.receiveFragment($0, from: attacker, now: 1) { _ in } }
        }
        #expect(r.held(by: attacker) == 8 && r.held(by: peer) == 1)
        for part in parts.dropFirst() {
            _ = part.withUnsafeBytes { r.receiveFragment($0, from: peer, now: 2) { delivered.append(Array($0)) } }
        }
        #expect(delivered == [original])
        // Many sources (one slot each) fill the table; a source holding the most gives way first.
        for s in 0..<40 {
            var junk = Self.packet(length: 3000, seed: UInt64(20_000 + s))
            junk[0] = UInt8(s)
            junk[1] = 0xee
            let source = InetAddress.ipv4(IPv4Address(203, 0, 113, UInt8(s)), port: 1)
            _ = Fragmentation.split(junk)[0].withUnsafeBytes { r.receiveHead($0, from: source, now: 3) { _ in } }
        }
        #expect(r.pending == 32 && r.held(by: attacker) == 0, "the attacker's 8 went first")
    }

    @Test func malformedFragmentsAreDropped() {
        let r = Reassembler()
        var f = Fragmentation.split(Self.packet(length: 3000))[1]
        for bad: UInt8 in [0x80, 0x11, 0x20, 0x23, 0xf1, 0x10] {
            f[14] = bad
            let (_, outcomes) = Self.feed(r, [f])
            #expect(outcomes == [.dropped(.malformed)], "count/number byte \(bad)")
        }
        let (_, tiny) = Self.feed(r, [Array(f.prefix(16))])
        #expect(tiny == [.dropped(.malformed)])
        // Pieces disagreeing on the count.
        let parts = Fragmentation.split(Self.packet(length: 4000))
        var other = parts[1]
        other[14] = 0x41
        let (delivered, outcomes) = Self.feed(r, [parts[2], other])
        #expect(delivered.isEmpty && outcomes.last == .dropped(.inconsistent))
        // An oversized piece.
        let (_, big) = Self.feed(r, [[UInt8](repeating: 1, count: 1500) + [0]])
        #expect(big == [.dropped(.inconsistent)])
    }
}
