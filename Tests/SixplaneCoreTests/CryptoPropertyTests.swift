import SixplaneCore
import SixplaneTestSupport
import Testing

/// A one-block-at-a-time Salsa20 written straight from the specification, to check the four-lane SIMD version on
/// lengths, offsets and counters the fixed vectors do not reach.
private func referenceSalsa20(key: [UInt8], nonce: [UInt8], rounds: Int, counter start: UInt64, count: Int) -> [UInt8] {
    func word(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
    func rotl(_ v: UInt32, _ n: UInt32) -> UInt32 { v << n | v >> (32 - n) }
    var out: [UInt8] = []
    var counter = start
    while out.count < count {
        var s = [UInt32](repeating: 0, count: 16)
        s[0] = 0x6170_7865; s[5] = 0x3320_646e; s[10] = 0x7962_2d32; s[15] = 0x6b20_6574
        for i in 0..<4 { s[1 + i] = word(key, 4 * i); s[11 + i] = word(key, 16 + 4 * i) }
        s[6] = word(nonce, 0); s[7] = word(nonce, 4)
        s[8] = UInt32(truncatingIfNeeded: counter); s[9] = UInt32(truncatingIfNeeded: counter >> 32)
        var x = s
        func qr(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[b] ^= rotl(x[a] &+ x[d], 7); x[c] ^= rotl(x[b] &+ x[a], 9)
            x[d] ^= rotl(x[c] &+ x[b], 13); x[a] ^= rotl(x[d] &+ x[c], 18)
        }
        for _ in 0..<(rounds / 2) {
            qr(0, 4, 8, 12); qr(5, 9, 13, 1); qr(10, 14, 2, 6); qr(15, 3, 7, 11)
            qr(0, 1, 2, 3); qr(5, 6, 7, 4); qr(10, 11, 8, 9); qr(15, 12, 13, 14)
        }
        for i in 0..<16 {
            let v = x[i] &+ s[i]
            out += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)]
        }
        counter &+= 1
    }
    return Array(out.prefix(count))
}

@Suite struct CryptoPropertyTests {
    @Test(arguments: [12, 20])
    func salsa20MatchesReferenceAcrossLengths(rounds: Int) {
        var rng = SeededGenerator(seed: UInt64(rounds))
        for length in [0, 1, 63, 64, 65, 127, 128, 191, 192, 255, 256, 257, 300, 511, 512, 1400, 4096 + 17] {
            let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let nonce = (0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var cipher = Salsa20(key: key, nonce: nonce, rounds: rounds)
            var data = [UInt8](repeating: 0, count: length)
            cipher.crypt(&data)
            #expect(data == referenceSalsa20(key: key, nonce: nonce, rounds: rounds, counter: 0, count: length), "length \(length)")
            #expect(cipher.counter == UInt64((length + 63) / 64), "blocks consumed for \(length)")
        }
    }

    @Test func salsa20ContinuesAcrossCallsAndCounterCarry() {
        let key = [UInt8](repeating: 7, count: 32)
        let nonce = [UInt8](repeating: 9, count: 8)
        var cipher = Salsa20(key: key, nonce: nonce, rounds: 12)
        cipher.counter = 0xffff_fffe
        var first = [UInt8](repeating: 0, count: 64)
        var second = [UInt8](repeating: 0, count: 300)
        cipher.crypt(&first)
        cipher.crypt(&second)
        let reference = referenceSalsa20(key: key, nonce: nonce, rounds: 12, counter: 0xffff_fffe, count: 64 + 320)
        #expect(first == Array(reference[0..<64]))
        #expect(second == Array(reference[64..<364]))
    }

    @Test func salsa20IsAnInvolution() {
        var rng = SeededGenerator(seed: 42)
        let plain = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var data = plain
        var enc = Salsa20(key: [UInt8](repeating: 1, count: 32), nonce: [UInt8](repeating: 2, count: 8), rounds: 12)
        enc.crypt(&data)
        #expect(data != plain)
        var dec = Salsa20(key: [UInt8](repeating: 1, count: 32), nonce: [UInt8](repeating: 2, count: 8), rounds: 12)
        dec.crypt(&data)
        #expect(data == plain)
    }

    /// RFC 8439 §2.5.2.
    @Test func poly1305RFC8439() {
        let key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
        let tag = Poly1305.tag(key: key, message: Array("Cryptographic Forum Research Group".utf8))
        #expect(tag == hex("a8061dc1305136c6c22b8baf0c0127a9"))
    }

    /// Edge values from RFC 8439 Appendix A.3 that exercise the final reduction (h ≥ p).
    @Test func poly1305ReductionEdges() {
        // Vector 6: h wraps to exactly p.
        var key = [UInt8](repeating: 0, count: 32)
        key[0] = 2
        let message = [UInt8](repeating: 0xff, count: 16)
        #expect(Poly1305.tag(key: key, message: message) == hex("03000000000000000000000000000000"))
        // Vector 7: s makes the addition carry out of 128 bits.
        var key7 = [UInt8](repeating: 0, count: 32)
        key7[0] = 2
        for i in 16..<32 { key7[i] = 0xff }
        var message7 = [UInt8](repeating: 0, count: 16)
        message7[0] = 2
        #expect(Poly1305.tag(key: key7, message: message7) == hex("03000000000000000000000000000000"))
    }

    @Test func poly1305IncrementalEqualsOneShot() {
        var rng = SeededGenerator(seed: 1305)
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let message = (0..<777).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let expected = Poly1305.tag(key: key, message: message)
        for pieces in [[1, 15, 16, 17], [3, 3, 3, 100, 200], [776, 1], [0, 777]] {
            var p = Poly1305(key: key)
            var offset = 0
            for n in pieces + [777] {
                let end = min(message.count, offset + n)
                message[offset..<end].withUnsafeBytes { p.update($0) }
                offset = end
            }
            #expect(p.finalize() == expected, "pieces \(pieces)")
        }
    }
}

@Suite struct Poly1305CrossCheckTests {
    /// The vectorized path (four blocks per step) against the one-block reference, on every length up to 300 and
    /// some long ones, with random and with extreme keys and messages (all bits set stresses every carry).
    @Test(arguments: ["random", "ones", "zeros-key-ones-message"])
    func vectorPathMatchesReference(kind: String) {
        var rng = SeededGenerator(seed: 0x1305)
        for length in Array(0...300) + [1023, 1024, 1400, 4096, 65536 + 5] {
            let key: [UInt8]
            let message: [UInt8]
            switch kind {
            case "ones":
                key = [UInt8](repeating: 0xff, count: 32)
                message = [UInt8](repeating: 0xff, count: length)
            case "zeros-key-ones-message":
                key = [UInt8](repeating: 0, count: 16) + [UInt8](repeating: 0xff, count: 16)
                message = [UInt8](repeating: 0xff, count: length)
            default:
                key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
                message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            var reference = ReferencePoly1305(key: key)
            message.withUnsafeBytes { reference.update($0) }
            #expect(Poly1305.tag(key: key, message: message) == reference.finalize(), "\(kind) length \(length)")
        }
    }
}

/// The AVX2 kernels (eight-lane Salsa20, four-lane Poly1305) give exactly what the baseline kernels give.
@Suite struct KernelDispatchTests {
    @Test func thisMachineHasAVX2() {
        // The development and CI machines do; elsewhere the dispatch tests below still compare the baseline with
        // the references, and this one documents why the AVX2 path was not exercised.
        withKnownIssue("no AVX2 on this CPU: the AVX2 kernels are not exercised here", isIntermittent: true) {
            #expect(CPU.hasAVX2)
        }
    }

    @Test(arguments: [false, true])
    func salsa20Kernels(avx2: Bool) {
        guard !avx2 || CPU.hasAVX2 else { return }
        var rng = SeededGenerator(seed: 512)
        for length in [511, 512, 513, 1023, 1024, 1400, 1464, 4096, 10_000] {
            for rounds in [12, 20] {
                let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let nonce = (0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }
                var cipher = Salsa20(key: key, nonce: nonce, rounds: rounds)
                cipher.useAVX2 = avx2
                cipher.counter = 0xffff_fffa  // the batches cross the 32-bit counter boundary
                var data = [UInt8](repeating: 0, count: length)
                cipher.crypt(&data)
                var reference = Salsa20(key: key, nonce: nonce, rounds: rounds)
                reference.useAVX2 = false
                reference.counter = 0xffff_fffa
                var expected = [UInt8](repeating: 0, count: length)
                reference.crypt(&expected)
                #expect(data == expected, "avx2=\(avx2) rounds \(rounds) length \(length)")
                #expect(cipher.counter == reference.counter)
            }
        }
    }

    @Test(arguments: [false, true])
    func poly1305Kernels(avx2: Bool) {
        guard !avx2 || CPU.hasAVX2 else { return }
        var rng = SeededGenerator(seed: 64)
        for length in [0, 15, 63, 64, 65, 127, 128, 129, 200, 1373, 1400, 4096, 9999] {
            for ones in [false, true] {
                let key = ones ? [UInt8](repeating: 0xff, count: 32) : (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let message = ones ? [UInt8](repeating: 0xff, count: length) : (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                var p = Poly1305(key: key)
                p.useAVX2 = avx2
                message.withUnsafeBytes { p.update($0) }
                var reference = ReferencePoly1305(key: key)
                message.withUnsafeBytes { reference.update($0) }
                #expect(p.finalize() == reference.finalize(), "avx2=\(avx2) length \(length) ones \(ones)")
            }
        }
    }
}
