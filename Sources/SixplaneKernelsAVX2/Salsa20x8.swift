/// Salsa20 keystream, eight blocks per step in the eight 32-bit lanes of an AVX2 register.
///
/// This module is compiled for Haswell-class x86 (AVX2); callers must check the CPU first (SixplaneCore does).
/// Same vertical layout as the core's four-lane version: lane n computes block `counter + n`.
///
/// XORs `batches` × 512 bytes of keystream (blocks `counter …`) into `data`.
public func salsa20XorAVX2(
    key: UnsafeRawPointer, nonce: UnsafeRawPointer, counter: UInt64, doubleRounds: Int,
    data: UnsafeMutableRawPointer, batches: Int
) {
    typealias V = SIMD8<UInt32>
    let k = key.loadUnaligned(as: SIMD8<UInt32>.self)
    let n = nonce.loadUnaligned(as: SIMD2<UInt32>.self)
    @inline(__always) func rotl(_ v: V, _ s: UInt32) -> V { (v &<< s) | (v &>> (32 - s)) }
    @inline(__always) func quarter(_ a: inout V, _ b: inout V, _ c: inout V, _ d: inout V) {
        b ^= rotl(a &+ d, 7)
        c ^= rotl(b &+ a, 9)
        d ^= rotl(c &+ b, 13)
        a ^= rotl(d &+ c, 18)
    }
    for batch in 0..<batches {
        let base = counter &+ UInt64(batch * 8)
        let lo = SIMD8<UInt64>(repeating: base) &+ SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7)
        let s0 = V(repeating: 0x6170_7865), s5 = V(repeating: 0x3320_646e)
        let s10 = V(repeating: 0x7962_2d32), s15 = V(repeating: 0x6b20_6574)
        let s1 = V(repeating: k[0]), s2 = V(repeating: k[1]), s3 = V(repeating: k[2]), s4 = V(repeating: k[3])
        let s11 = V(repeating: k[4]), s12 = V(repeating: k[5]), s13 = V(repeating: k[6]), s14 = V(repeating: k[7])
        let s6 = V(repeating: n[0]), s7 = V(repeating: n[1])
        let s8 = V(truncatingIfNeeded: lo), s9 = V(truncatingIfNeeded: lo &>> 32)
        var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
        var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
        for _ in 0..<doubleRounds {
            quarter(&x0, &x4, &x8, &x12)
            quarter(&x5, &x9, &x13, &x1)
            quarter(&x10, &x14, &x2, &x6)
            quarter(&x15, &x3, &x7, &x11)
            quarter(&x0, &x1, &x2, &x3)
            quarter(&x5, &x6, &x7, &x4)
            quarter(&x10, &x11, &x8, &x9)
            quarter(&x15, &x12, &x13, &x14)
        }
        let out = data + batch * 512
        store(x0 &+ s0, x1 &+ s1, x2 &+ s2, x3 &+ s3, out, 0)
        store(x4 &+ s4, x5 &+ s5, x6 &+ s6, x7 &+ s7, out, 16)
        store(x8 &+ s8, x9 &+ s9, x10 &+ s10, x11 &+ s11, out, 32)
        store(x12 &+ s12, x13 &+ s13, x14 &+ s14, x15 &+ s15, out, 48)
    }
}

/// XORs words w..w+3 of all eight blocks into place (lane n → block n).
@inline(__always)
private func store(
    _ a: SIMD8<UInt32>, _ b: SIMD8<UInt32>, _ c: SIMD8<UInt32>, _ d: SIMD8<UInt32>,
    _ out: UnsafeMutableRawPointer, _ wordOffset: Int
) {
    for lane in 0..<8 {
        let p = out + lane * 64 + wordOffset
        let v = SIMD4(a[lane], b[lane], c[lane], d[lane])
        p.storeBytes(of: p.loadUnaligned(as: SIMD4<UInt32>.self) ^ v, as: SIMD4<UInt32>.self)
    }
}
