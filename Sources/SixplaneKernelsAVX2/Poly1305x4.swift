/// Poly1305 over whole 64-byte groups, four blocks per step in the four 64-bit lanes of an AVX2 register.
///
/// Lane n accumulates blocks 4k+n: h ← h·r⁴ + (m₀, m₁, m₂, m₃); at the end lanes are multiplied by r⁴, r³, r², r and
/// summed. Limbs are 26 bits (products fit `vpmuludq`). `h` holds the running accumulator's five limbs (in and out);
/// `powers` holds r¹…r⁴, nine words each: limbs 0–4, then 5× limbs 1–4.
///
/// Compiled for AVX2: the caller checks the CPU first.
public func poly1305BlocksAVX2(
    _ data: UnsafeRawPointer, count: Int, hibit: UInt64, h: UnsafeMutablePointer<UInt64>, powers: UnsafePointer<UInt64>
) {
    precondition(count >= 64 && count % 64 == 0)
    typealias L = SIMD4<UInt64>
    let mask26 = L(repeating: 0x3ff_ffff)
    let m32 = L(repeating: 0xffff_ffff)

    @inline(__always) func limbs(_ offset: Int) -> (L, L, L, L, L) {
        var t0 = L(), t1 = L()
        for i in 0..<4 {
            t0[i] = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: offset + 16 * i, as: UInt64.self))
            t1[i] = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: offset + 16 * i + 8, as: UInt64.self))
        }
        return (
            t0 & mask26, (t0 &>> 26) & mask26, (t0 &>> 52 | t1 &<< 12) & mask26, (t1 &>> 14) & mask26,
            t1 &>> 40 | L(repeating: hibit)
        )
    }

    /// The nine words of the powers k0…k3, one per lane.
    @inline(__always) func power(_ k0: Int, _ k1: Int, _ k2: Int, _ k3: Int) -> (L, L, L, L, L, L, L, L, L) {
        @inline(__always) func word(_ i: Int) -> L {
            L(powers[(k0 - 1) * 9 + i], powers[(k1 - 1) * 9 + i], powers[(k2 - 1) * 9 + i], powers[(k3 - 1) * 9 + i])
        }
        return (word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7), word(8))
    }

    @inline(__always) func mulCarry(
        _ h0: L, _ h1: L, _ h2: L, _ h3: L, _ h4: L, _ r: (L, L, L, L, L, L, L, L, L)
    ) -> (L, L, L, L, L) {
        @inline(__always) func m(_ a: L, _ b: L) -> L { (a & m32) &* (b & m32) }
        let (r0, r1, r2, r3, r4, s1, s2, s3, s4) = r
        let d0 = m(h0, r0) &+ m(h1, s4) &+ m(h2, s3) &+ m(h3, s2) &+ m(h4, s1)
        let d1 = m(h0, r1) &+ m(h1, r0) &+ m(h2, s4) &+ m(h3, s3) &+ m(h4, s2)
        let d2 = m(h0, r2) &+ m(h1, r1) &+ m(h2, r0) &+ m(h3, s4) &+ m(h4, s3)
        let d3 = m(h0, r3) &+ m(h1, r2) &+ m(h2, r1) &+ m(h3, r0) &+ m(h4, s4)
        let d4 = m(h0, r4) &+ m(h1, r3) &+ m(h2, r2) &+ m(h3, r1) &+ m(h4, r0)
        var c = d0 &>> 26
        var o0 = d0 & mask26
        let e1 = d1 &+ c
        c = e1 &>> 26
        var o1 = e1 & mask26
        let e2 = d2 &+ c
        c = e2 &>> 26
        let o2 = e2 & mask26
        let e3 = d3 &+ c
        c = e3 &>> 26
        let o3 = e3 & mask26
        let e4 = d4 &+ c
        c = e4 &>> 26
        let o4 = e4 & mask26
        o0 &+= c &+ (c &<< 2)
        c = o0 &>> 26
        o0 &= mask26
        o1 &+= c
        return (o0, o1, o2, o3, o4)
    }

    var (v0, v1, v2, v3, v4) = limbs(0)
    v0[0] &+= h[0]; v1[0] &+= h[1]; v2[0] &+= h[2]; v3[0] &+= h[3]; v4[0] &+= h[4]
    let r4 = power(4, 4, 4, 4)
    var offset = 64
    while offset < count {
        (v0, v1, v2, v3, v4) = mulCarry(v0, v1, v2, v3, v4, r4)
        let (x0, x1, x2, x3, x4) = limbs(offset)
        v0 &+= x0; v1 &+= x1; v2 &+= x2; v3 &+= x3; v4 &+= x4
        offset += 64
    }
    (v0, v1, v2, v3, v4) = mulCarry(v0, v1, v2, v3, v4, power(4, 3, 2, 1))
    // Sum the lanes (each limb below 2²⁷, so the sums are far from overflowing) and carry once more.
    @inline(__always) func sum(_ v: L) -> UInt64 { v[0] &+ v[1] &+ v[2] &+ v[3] }
    var c: UInt64 = 0
    @inline(__always) func fold(_ i: Int, _ v: L) {
        let t = sum(v) &+ c
        c = t >> 26
        h[i] = t & 0x3ff_ffff
    }
    fold(0, v0)
    fold(1, v1)
    fold(2, v2)
    fold(3, v3)
    fold(4, v4)
    h[0] &+= c &* 5
    c = h[0] >> 26
    h[0] &= 0x3ff_ffff
    h[1] &+= c
}
