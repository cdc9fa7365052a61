import SixplaneKernelsAVX2

#if _endian(big)
#error("Salsa20 loads its little-endian words straight from memory; big-endian hosts are not supported")
#endif

/// The Salsa20 stream cipher (Bernstein), with 12 rounds for packet armor and 20 for the identity hash.
///
/// ZeroTier uses it with a 64-bit nonce and a 64-bit block counter starting at 0. Keystream comes in 64-byte blocks
/// and every call consumes whole blocks: a call on 100 bytes uses two blocks and discards the rest of the second,
/// exactly like ZeroTier's own implementation, so consecutive calls line up the same way theirs do.
///
/// Four blocks are computed at once, one per SIMD lane ("vertical" layout), which lets the compiler keep all sixteen
/// state words in vector registers with no shuffles inside the rounds.
public struct Salsa20: Sendable {
    @usableFromInline var key: SIMD8<UInt32>
    @usableFromInline var nonce: SIMD2<UInt32>
    /// The number of the next keystream block.
    public var counter: UInt64
    @usableFromInline let doubleRounds: Int
    /// Whether to use the eight-lane AVX2 kernel for runs of 512 bytes and more.
    public var useAVX2: Bool = CPU.hasAVX2

    /// - Parameters:
    ///   - key: 32 bytes.
    ///   - nonce: 8 bytes.
    ///   - rounds: 12 or 20 (any even number works; ZeroTier uses those two).
    public init(key: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, rounds: Int) {
        precondition(key.count >= 32 && nonce.count >= 8 && rounds > 0 && rounds % 2 == 0)
        self.key = key.loadUnaligned(as: SIMD8<UInt32>.self)
        self.nonce = nonce.loadUnaligned(as: SIMD2<UInt32>.self)
        self.counter = 0
        self.doubleRounds = rounds / 2
    }

    public init(key: [UInt8], nonce: [UInt8], rounds: Int) {
        precondition(key.count == 32 && nonce.count == 8, "Salsa20 needs a 32-byte key and an 8-byte nonce")
        self = key.withUnsafeBytes { k in nonce.withUnsafeBytes { n in Salsa20(key: k, nonce: n, rounds: rounds) } }
    }

    /// XORs keystream into `buffer` in place (encrypts or decrypts), consuming ⌈count/64⌉ blocks.
    public mutating func crypt(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        let count = buffer.count
        if useAVX2, count >= 512 {
            let batches = count / 512
            withUnsafeBytes(of: key) { k in
                withUnsafeBytes(of: nonce) { n in
                    salsa20XorAVX2(
                        key: k.baseAddress!, nonce: n.baseAddress!, counter: counter, doubleRounds: doubleRounds,
                        data: base, batches: batches)
                }
            }
            counter &+= UInt64(batches * 8)
            offset = batches * 512
        }
        let k = Self.rotations()
        while count - offset >= 256 {
            block4(xorInto: base + offset, k)
            counter &+= 4
            offset += 256
        }
        let rest = count - offset
        guard rest > 0 else { return }
        withUnsafeTemporaryAllocation(byteCount: 256, alignment: 16) { tmp in
            let t = tmp.baseAddress!
            t.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
            block4(xorInto: t, k)
            var i = 0
            while rest - i >= 16 {
                let p = base + offset + i
                p.storeBytes(
                    of: p.loadUnaligned(as: SIMD16<UInt8>.self) ^ t.load(fromByteOffset: i, as: SIMD16<UInt8>.self),
                    as: SIMD16<UInt8>.self)
                i += 16
            }
            while i < rest {
                base.storeBytes(
                    of: base.load(fromByteOffset: offset + i, as: UInt8.self) ^ t.load(fromByteOffset: i, as: UInt8.self),
                    toByteOffset: offset + i, as: UInt8.self)
                i += 1
            }
        }
        counter &+= UInt64((rest + 63) / 64)
    }

    /// Writes the next four keystream blocks (256 bytes) to `out` and advances the counter by four.
    ///
    /// For callers that need the first block on its own (ZeroTier's Poly1305 key) and the rest for the payload:
    /// one call yields the key block and three payload blocks, and `crypt` continues from block four.
    public mutating func nextFourBlocks(_ out: UnsafeMutableRawPointer) {
        out.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        block4(xorInto: out, Self.rotations())
        counter &+= 4
    }

    public mutating func crypt(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { crypt($0) }
    }

    /// Writes raw keystream (⌈count/64⌉ blocks) into `buffer`.
    public mutating func keystream(_ buffer: UnsafeMutableRawBufferPointer) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        crypt(buffer)
    }

    /// The right-shift halves of the rotations by 7, 9, 13 and 18.
    ///
    /// They come from a function the optimizer may not look into: with both shift counts constant LLVM turns the
    /// pair of shifts into a vector rotate, which x86 before AVX-512 lacks, and then computes it one lane at a time
    /// (3–4× slower). A right shift by an unknown count cannot be proven to pair with the left shift, so the code
    /// stays two vector shifts and an OR.
    struct Rotations {
        var r7, r9, r13, r18: UInt32
    }

    @_optimize(none)
    static func rotations() -> Rotations {
        Rotations(r7: 25, r9: 23, r13: 19, r18: 14)
    }

    @inline(__always)
    private static func rotl(_ v: SIMD4<UInt32>, _ l: UInt32, _ r: UInt32) -> SIMD4<UInt32> {
        (v &<< l) | (v &>> r)
    }

    @inline(__always)
    private static func quarter(
        _ a: inout SIMD4<UInt32>, _ b: inout SIMD4<UInt32>, _ c: inout SIMD4<UInt32>, _ d: inout SIMD4<UInt32>,
        _ k: Rotations
    ) {
        b ^= rotl(a &+ d, 7, k.r7)
        c ^= rotl(b &+ a, 9, k.r9)
        d ^= rotl(c &+ b, 13, k.r13)
        a ^= rotl(d &+ c, 18, k.r18)
    }

    /// Computes blocks `counter ..< counter+4` and XORs them into the 256 bytes at `out`.
    @inline(__always)
    private func block4(xorInto out: UnsafeMutableRawPointer, _ k: Rotations) {
        let c = SIMD4<UInt64>(repeating: counter) &+ SIMD4<UInt64>(0, 1, 2, 3)
        let s0 = SIMD4<UInt32>(repeating: 0x6170_7865)
        let s1 = SIMD4<UInt32>(repeating: key[0])
        let s2 = SIMD4<UInt32>(repeating: key[1])
        let s3 = SIMD4<UInt32>(repeating: key[2])
        let s4 = SIMD4<UInt32>(repeating: key[3])
        let s5 = SIMD4<UInt32>(repeating: 0x3320_646e)
        let s6 = SIMD4<UInt32>(repeating: nonce[0])
        let s7 = SIMD4<UInt32>(repeating: nonce[1])
        let s8 = SIMD4<UInt32>(truncatingIfNeeded: c)
        let s9 = SIMD4<UInt32>(truncatingIfNeeded: c &>> 32)
        let s10 = SIMD4<UInt32>(repeating: 0x7962_2d32)
        let s11 = SIMD4<UInt32>(repeating: key[4])
        let s12 = SIMD4<UInt32>(repeating: key[5])
        let s13 = SIMD4<UInt32>(repeating: key[6])
        let s14 = SIMD4<UInt32>(repeating: key[7])
        let s15 = SIMD4<UInt32>(repeating: 0x6b20_6574)
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
        var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
        for _ in 0..<doubleRounds {
            // column round
            Self.quarter(&x0, &x4, &x8, &x12, k)
            Self.quarter(&x5, &x9, &x13, &x1, k)
            Self.quarter(&x10, &x14, &x2, &x6, k)
            Self.quarter(&x15, &x3, &x7, &x11, k)
            // row round
            Self.quarter(&x0, &x1, &x2, &x3, k)
            Self.quarter(&x5, &x6, &x7, &x4, k)
            Self.quarter(&x10, &x11, &x8, &x9, k)
            Self.quarter(&x15, &x12, &x13, &x14, k)
        }
        x0 &+= s0; x1 &+= s1; x2 &+= s2; x3 &+= s3
        x4 &+= s4; x5 &+= s5; x6 &+= s6; x7 &+= s7
        x8 &+= s8; x9 &+= s9; x10 &+= s10; x11 &+= s11
        x12 &+= s12; x13 &+= s13; x14 &+= s14; x15 &+= s15
        Self.store(x0, x1, x2, x3, out, 0)
        Self.store(x4, x5, x6, x7, out, 16)
        Self.store(x8, x9, x10, x11, out, 32)
        Self.store(x12, x13, x14, x15, out, 48)
    }

    /// Transposes four words of four blocks (lane = block) and XORs each block's words into place.
    @inline(__always)
    private static func store(
        _ a: SIMD4<UInt32>, _ b: SIMD4<UInt32>, _ c: SIMD4<UInt32>, _ d: SIMD4<UInt32>,
        _ out: UnsafeMutableRawPointer, _ wordOffset: Int
    ) {
        let rows = (
            SIMD4(a[0], b[0], c[0], d[0]), SIMD4(a[1], b[1], c[1], d[1]),
            SIMD4(a[2], b[2], c[2], d[2]), SIMD4(a[3], b[3], c[3], d[3])
        )
        xor16(rows.0, out + wordOffset)
        xor16(rows.1, out + 64 + wordOffset)
        xor16(rows.2, out + 128 + wordOffset)
        xor16(rows.3, out + 192 + wordOffset)
    }

    @inline(__always)
    private static func xor16(_ v: SIMD4<UInt32>, _ p: UnsafeMutableRawPointer) {
        p.storeBytes(of: p.loadUnaligned(as: SIMD4<UInt32>.self) ^ v, as: SIMD4<UInt32>.self)
    }
}
