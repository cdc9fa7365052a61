/// The Poly1305 one-time authenticator (Bernstein), as used for ZeroTier's packet MACs.
///
/// Arithmetic modulo 2¹³⁰−5 on five 26-bit limbs, so every limb product fits in 64 bits and two of them fit one
/// SSE2 `pmuludq`. Long inputs go four blocks per step through two-lane vectors:
/// h ← h·r⁴ + (m₁, m₂)·r² + (m₃, m₄), where lane 0 carries the even blocks and lane 1 the odd ones. The products
/// with the accumulator and with the first message pair are independent, so the step is not bound by the latency of
/// one long multiply-and-carry chain. Short inputs and tails go one block at a time.
import SixplaneKernelsAVX2

public struct Poly1305: Sendable {
    typealias Lanes = SIMD2<UInt64>
    private static let mask26: UInt64 = 0x3ff_ffff

    /// r, and 5·r for the limbs that wrap around 2¹³⁰.
    private let r: Limbs
    /// For the vector path: lanes (r⁴, r⁴), (r², r²) and the final (r², r).
    private let r4: VectorLimbs, r2: VectorLimbs, r2r: VectorLimbs
    private let pad0, pad1: UInt64
    /// r¹…r⁴ for the four-lane AVX2 kernel, laid out as it reads them (nine words each).
    private let powers: (Limbs, Limbs, Limbs, Limbs)
    /// Whether to use the four-lane AVX2 kernel for runs of 64 bytes and more.
    public var useAVX2: Bool = CPU.hasAVX2
    private var h = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    private var pending: SIMD16<UInt8> = .zero
    private var pendingCount = 0

    struct Limbs {
        var v0, v1, v2, v3, v4: UInt64
        var s1, s2, s3, s4: UInt64

        init(_ v: (UInt64, UInt64, UInt64, UInt64, UInt64)) {
            (v0, v1, v2, v3, v4) = v
            (s1, s2, s3, s4) = (v1 &* 5, v2 &* 5, v3 &* 5, v4 &* 5)
        }
    }

    struct VectorLimbs {
        var v0, v1, v2, v3, v4: Lanes
        var s1, s2, s3, s4: Lanes

        init(_ a: Limbs, _ b: Limbs) {
            v0 = Lanes(a.v0, b.v0); v1 = Lanes(a.v1, b.v1); v2 = Lanes(a.v2, b.v2)
            v3 = Lanes(a.v3, b.v3); v4 = Lanes(a.v4, b.v4)
            s1 = Lanes(a.s1, b.s1); s2 = Lanes(a.s2, b.s2); s3 = Lanes(a.s3, b.s3); s4 = Lanes(a.s4, b.s4)
        }
    }

    /// - Parameter key: 32 bytes; the first 16 are `r` (clamped here), the last 16 the final pad `s`.
    public init(key: UnsafeRawBufferPointer) {
        precondition(key.count >= 32, "Poly1305 needs a 32-byte key")
        let t0 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 0, as: UInt64.self)) & 0x0fff_fffc_0fff_ffff
        let t1 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) & 0x0fff_fffc_0fff_fffc
        let r = Limbs(Self.split(t0, t1, hibit: 0))
        let rr = Limbs(Self.multiply(r.v0, r.v1, r.v2, r.v3, r.v4, r))
        let r3 = Limbs(Self.multiply(rr.v0, rr.v1, rr.v2, rr.v3, rr.v4, r))
        let r4 = Limbs(Self.multiply(rr.v0, rr.v1, rr.v2, rr.v3, rr.v4, rr))
        powers = (r, rr, r3, r4)
        self.r = r
        self.r4 = VectorLimbs(r4, r4)
        self.r2 = VectorLimbs(rr, rr)
        self.r2r = VectorLimbs(rr, r)
        pad0 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        pad1 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    public init(key: [UInt8]) {
        precondition(key.count == 32, "Poly1305 needs a 32-byte key")
        self = key.withUnsafeBytes { Poly1305(key: $0) }
    }

    /// Absorbs `data`; may be called any number of times with pieces of any length.
    public mutating func update(_ data: UnsafeRawBufferPointer) {
        guard let base = data.baseAddress, data.count > 0 else { return }
        var offset = 0
        if pendingCount > 0 {
            while pendingCount < 16 && offset < data.count {
                pending[pendingCount] = base.load(fromByteOffset: offset, as: UInt8.self)
                pendingCount += 1
                offset += 1
            }
            guard pendingCount == 16 else { return }
            withUnsafeBytes(of: pending) { blocks($0.baseAddress!, 16, hibit: 1 << 24) }
            pendingCount = 0
        }
        let full = (data.count - offset) & ~15
        if full > 0 {
            blocks(base + offset, full, hibit: 1 << 24)
            offset += full
        }
        while offset < data.count {
            pending[pendingCount] = base.load(fromByteOffset: offset, as: UInt8.self)
            pendingCount += 1
            offset += 1
        }
    }

    /// The 16-byte tag, as two little-endian 64-bit words (bytes 0–7, 8–15).
    public mutating func finalizeWords() -> (UInt64, UInt64) {
        if pendingCount > 0 {
            pending[pendingCount] = 1
            for i in (pendingCount + 1)..<16 { pending[i] = 0 }
            withUnsafeBytes(of: pending) { blocks($0.baseAddress!, 16, hibit: 0) }
            pendingCount = 0
        }
        let m = Self.mask26
        var (h0, h1, h2, h3, h4) = h
        // Full carry, then h + 5 − 2¹³⁰ decides whether h ≥ p.
        var c = h1 >> 26; h1 &= m
        h2 &+= c; c = h2 >> 26; h2 &= m
        h3 &+= c; c = h3 >> 26; h3 &= m
        h4 &+= c; c = h4 >> 26; h4 &= m
        h0 &+= c &* 5; c = h0 >> 26; h0 &= m
        h1 &+= c

        var g0 = h0 &+ 5; c = g0 >> 26; g0 &= m
        var g1 = h1 &+ c; c = g1 >> 26; g1 &= m
        var g2 = h2 &+ c; c = g2 >> 26; g2 &= m
        var g3 = h3 &+ c; c = g3 >> 26; g3 &= m
        var g4 = h4 &+ c &- (1 << 26)
        let keep = (g4 >> 63) &- 1  // all ones when g did not go negative
        g0 &= keep; g1 &= keep; g2 &= keep; g3 &= keep; g4 &= keep
        h0 = (h0 & ~keep) | g0
        h1 = (h1 & ~keep) | g1
        h2 = (h2 & ~keep) | g2
        h3 = (h3 & ~keep) | g3
        h4 = (h4 & ~keep) | g4

        let lo = h0 | h1 << 26 | h2 << 52
        let hi = h2 >> 12 | h3 << 14 | h4 << 40
        let (sum0, carry) = lo.addingReportingOverflow(pad0)
        let sum1 = hi &+ pad1 &+ (carry ? 1 : 0)
        return (sum0, sum1)
    }

    /// The full 16-byte tag.
    public mutating func finalize() -> [UInt8] {
        let (lo, hi) = finalizeWords()
        var out = [UInt8](repeating: 0, count: 16)
        out.withUnsafeMutableBytes {
            $0.storeBytes(of: lo.littleEndian, toByteOffset: 0, as: UInt64.self)
            $0.storeBytes(of: hi.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        return out
    }

    /// One-shot tag of `message` under `key`.
    public static func tag(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var p = Poly1305(key: key)
        p.update(message)
        return p.finalizeWords()
    }

    public static func tag(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var p = Poly1305(key: key)
        message.withUnsafeBytes { p.update($0) }
        return p.finalize()
    }

    // MARK: Arithmetic

    /// A 16-byte block as five 26-bit limbs (`hibit` 1<<24 adds the 2¹²⁸ of a full block).
    @inline(__always)
    private static func split(_ t0: UInt64, _ t1: UInt64, hibit: UInt64) -> (UInt64, UInt64, UInt64, UInt64, UInt64) {
        (t0 & mask26, (t0 >> 26) & mask26, (t0 >> 52 | t1 << 12) & mask26, (t1 >> 14) & mask26, t1 >> 40 | hibit)
    }

    @inline(__always)
    private static func load(_ p: UnsafeRawPointer, _ offset: Int) -> (UInt64, UInt64) {
        (
            UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self)),
            UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        )
    }

    /// (h0…h4)·r mod p, carried back to about 26 bits per limb.
    @inline(__always)
    private static func multiply(
        _ h0: UInt64, _ h1: UInt64, _ h2: UInt64, _ h3: UInt64, _ h4: UInt64, _ r: Limbs
    ) -> (UInt64, UInt64, UInt64, UInt64, UInt64) {
        let d0 = h0 &* r.v0 &+ h1 &* r.s4 &+ h2 &* r.s3 &+ h3 &* r.s2 &+ h4 &* r.s1
        let d1 = h0 &* r.v1 &+ h1 &* r.v0 &+ h2 &* r.s4 &+ h3 &* r.s3 &+ h4 &* r.s2
        let d2 = h0 &* r.v2 &+ h1 &* r.v1 &+ h2 &* r.v0 &+ h3 &* r.s4 &+ h4 &* r.s3
        let d3 = h0 &* r.v3 &+ h1 &* r.v2 &+ h2 &* r.v1 &+ h3 &* r.v0 &+ h4 &* r.s4
        let d4 = h0 &* r.v4 &+ h1 &* r.v3 &+ h2 &* r.v2 &+ h3 &* r.v1 &+ h4 &* r.v0
        return carry(d0, d1, d2, d3, d4)
    }

    @inline(__always)
    private static func carry<T: SIMD>(_ d0: T, _ d1: T, _ d2: T, _ d3: T, _ d4: T) -> (T, T, T, T, T)
    where T.Scalar == UInt64 {
        let m = T(repeating: mask26)
        var c = d0 &>> 26
        var h0 = d0 & m
        let e1 = d1 &+ c
        c = e1 &>> 26
        var h1 = e1 & m
        let e2 = d2 &+ c
        c = e2 &>> 26
        let h2 = e2 & m
        let e3 = d3 &+ c
        c = e3 &>> 26
        let h3 = e3 & m
        let e4 = d4 &+ c
        c = e4 &>> 26
        let h4 = e4 & m
        h0 &+= c &+ (c &<< 2)
        c = h0 &>> 26
        h0 &= m
        h1 &+= c
        return (h0, h1, h2, h3, h4)
    }

    @inline(__always)
    private static func carry(_ d0: UInt64, _ d1: UInt64, _ d2: UInt64, _ d3: UInt64, _ d4: UInt64)
        -> (UInt64, UInt64, UInt64, UInt64, UInt64)
    {
        let (a, b, c, d, e) = carry(SIMD2(d0, 0), SIMD2(d1, 0), SIMD2(d2, 0), SIMD2(d3, 0), SIMD2(d4, 0))
        return (a[0], b[0], c[0], d[0], e[0])
    }

    /// Lane-wise (h0…h4)·r + x·q: the two products are independent and share one carry.
    @inline(__always)
    private static func multiplyAdd(
        _ h0: Lanes, _ h1: Lanes, _ h2: Lanes, _ h3: Lanes, _ h4: Lanes, _ r: VectorLimbs,
        _ x0: Lanes, _ x1: Lanes, _ x2: Lanes, _ x3: Lanes, _ x4: Lanes, _ q: VectorLimbs
    ) -> (Lanes, Lanes, Lanes, Lanes, Lanes) {
        // Every limb is below 2³², but only a mask proves it to LLVM, which then uses one `pmuludq` per product
        // instead of emulating a 64×64 multiplication with three.
        let m32 = Lanes(repeating: 0xffff_ffff)
        func m(_ a: Lanes, _ b: Lanes) -> Lanes { (a & m32) &* (b & m32) }
        let d0 =
            m(h0, r.v0) &+ m(h1, r.s4) &+ m(h2, r.s3) &+ m(h3, r.s2) &+ m(h4, r.s1)
            &+ m(x0, q.v0) &+ m(x1, q.s4) &+ m(x2, q.s3) &+ m(x3, q.s2) &+ m(x4, q.s1)
        let d1 =
            m(h0, r.v1) &+ m(h1, r.v0) &+ m(h2, r.s4) &+ m(h3, r.s3) &+ m(h4, r.s2)
            &+ m(x0, q.v1) &+ m(x1, q.v0) &+ m(x2, q.s4) &+ m(x3, q.s3) &+ m(x4, q.s2)
        let d2 =
            m(h0, r.v2) &+ m(h1, r.v1) &+ m(h2, r.v0) &+ m(h3, r.s4) &+ m(h4, r.s3)
            &+ m(x0, q.v2) &+ m(x1, q.v1) &+ m(x2, q.v0) &+ m(x3, q.s4) &+ m(x4, q.s3)
        let d3 =
            m(h0, r.v3) &+ m(h1, r.v2) &+ m(h2, r.v1) &+ m(h3, r.v0) &+ m(h4, r.s4)
            &+ m(x0, q.v3) &+ m(x1, q.v2) &+ m(x2, q.v1) &+ m(x3, q.v0) &+ m(x4, q.s4)
        let d4 =
            m(h0, r.v4) &+ m(h1, r.v3) &+ m(h2, r.v2) &+ m(h3, r.v1) &+ m(h4, r.v0)
            &+ m(x0, q.v4) &+ m(x1, q.v3) &+ m(x2, q.v2) &+ m(x3, q.v1) &+ m(x4, q.v0)
        return carry(d0, d1, d2, d3, d4)
    }

    /// Lane-wise (h0…h4)·r.
    @inline(__always)
    private static func multiply(
        _ h0: Lanes, _ h1: Lanes, _ h2: Lanes, _ h3: Lanes, _ h4: Lanes, _ r: VectorLimbs
    ) -> (Lanes, Lanes, Lanes, Lanes, Lanes) {
        let m32 = Lanes(repeating: 0xffff_ffff)
        func m(_ a: Lanes, _ b: Lanes) -> Lanes { (a & m32) &* (b & m32) }
        let d0 = m(h0, r.v0) &+ m(h1, r.s4) &+ m(h2, r.s3) &+ m(h3, r.s2) &+ m(h4, r.s1)
        let d1 = m(h0, r.v1) &+ m(h1, r.v0) &+ m(h2, r.s4) &+ m(h3, r.s3) &+ m(h4, r.s2)
        let d2 = m(h0, r.v2) &+ m(h1, r.v1) &+ m(h2, r.v0) &+ m(h3, r.s4) &+ m(h4, r.s3)
        let d3 = m(h0, r.v3) &+ m(h1, r.v2) &+ m(h2, r.v1) &+ m(h3, r.v0) &+ m(h4, r.s4)
        let d4 = m(h0, r.v4) &+ m(h1, r.v3) &+ m(h2, r.v2) &+ m(h3, r.v1) &+ m(h4, r.v0)
        return carry(d0, d1, d2, d3, d4)
    }

    /// Two blocks (at `offset` and `offset+16`) as lane 0 and lane 1.
    @inline(__always)
    private static func pair(_ p: UnsafeRawPointer, _ offset: Int, _ hibit: UInt64) -> (Lanes, Lanes, Lanes, Lanes, Lanes) {
        let (a0, a1) = load(p, offset)
        let (b0, b1) = load(p, offset + 16)
        let t0 = Lanes(a0, b0), t1 = Lanes(a1, b1)
        let m = Lanes(repeating: mask26)
        return (
            t0 & m, (t0 &>> 26) & m, (t0 &>> 52 | t1 &<< 12) & m, (t1 &>> 14) & m,
            t1 &>> 40 | Lanes(repeating: hibit)
        )
    }

    private mutating func blocks(_ p: UnsafeRawPointer, _ count: Int, hibit: UInt64) {
        var offset = 0
        if useAVX2, count >= 64 {
            let whole = count & ~63
            withUnsafeMutableBytes(of: &h) { hp in
                withUnsafeBytes(of: powers) { pp in
                    poly1305BlocksAVX2(
                        p, count: whole, hibit: hibit, h: hp.baseAddress!.assumingMemoryBound(to: UInt64.self),
                        powers: pp.baseAddress!.assumingMemoryBound(to: UInt64.self))
                }
            }
            offset = whole
        }
        var (h0, h1, h2, h3, h4) = h
        if count - offset >= 64 {
            // Lane 0 starts as h + m₀, lane 1 as m₁.
            var (v0, v1, v2, v3, v4) = Self.pair(p, offset, hibit)
            v0 &+= Lanes(h0, 0); v1 &+= Lanes(h1, 0); v2 &+= Lanes(h2, 0); v3 &+= Lanes(h3, 0); v4 &+= Lanes(h4, 0)
            offset += 32
            while count - offset >= 64 {
                let (x0, x1, x2, x3, x4) = Self.pair(p, offset, hibit)
                let (y0, y1, y2, y3, y4) = Self.pair(p, offset + 32, hibit)
                (v0, v1, v2, v3, v4) = Self.multiplyAdd(v0, v1, v2, v3, v4, r4, x0, x1, x2, x3, x4, r2)
                v0 &+= y0; v1 &+= y1; v2 &+= y2; v3 &+= y3; v4 &+= y4
                offset += 64
            }
            if count - offset >= 32 {
                let (x0, x1, x2, x3, x4) = Self.pair(p, offset, hibit)
                (v0, v1, v2, v3, v4) = Self.multiply(v0, v1, v2, v3, v4, r2)
                v0 &+= x0; v1 &+= x1; v2 &+= x2; v3 &+= x3; v4 &+= x4
                offset += 32
            }
            // h = lane 0 · r² + lane 1 · r.
            let (w0, w1, w2, w3, w4) = Self.multiply(v0, v1, v2, v3, v4, r2r)
            (h0, h1, h2, h3, h4) = Self.carry(
                w0[0] &+ w0[1], w1[0] &+ w1[1], w2[0] &+ w2[1], w3[0] &+ w3[1], w4[0] &+ w4[1])
        }
        while count - offset >= 16 {
            let (t0, t1) = Self.load(p, offset)
            let (m0, m1, m2, m3, m4) = Self.split(t0, t1, hibit: hibit)
            (h0, h1, h2, h3, h4) = Self.multiply(h0 &+ m0, h1 &+ m1, h2 &+ m2, h3 &+ m3, h4 &+ m4, r)
            offset += 16
        }
        h = (h0, h1, h2, h3, h4)
    }
}
