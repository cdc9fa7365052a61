/// The Poly1305 one-time authenticator (Bernstein), as used for ZeroTier's packet MACs.
///
/// Arithmetic modulo 2¹³⁰−5 on three limbs of 44, 44 and 42 bits, so every product of a limb and a key limb fits in
/// 128 bits and a block costs nine 64×64→128 multiplications.
public struct Poly1305: Sendable {
    private static let mask44: UInt64 = 0xfff_ffff_ffff
    private static let mask42: UInt64 = 0x3ff_ffff_ffff

    private let r0, r1, r2: UInt64
    private let s1, s2: UInt64
    /// r² mod p, for absorbing two blocks per step: (h + m₁)·r² + m₂·r has two independent multiplication chains,
    /// which roughly halves the latency-bound time per block.
    private let q0, q1, q2: UInt64
    private let u1, u2: UInt64
    private let pad0, pad1: UInt64
    private var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0
    private var pending: SIMD16<UInt8> = .zero
    private var pendingCount = 0

    /// - Parameter key: 32 bytes; the first 16 are `r` (clamped here), the last 16 the final pad `s`.
    public init(key: UnsafeRawBufferPointer) {
        precondition(key.count >= 32, "Poly1305 needs a 32-byte key")
        let t0 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let t1 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        r0 = t0 & 0xffc_0fff_ffff
        r1 = ((t0 >> 44) | (t1 << 20)) & 0xfff_ffc0_ffff
        r2 = (t1 >> 24) & 0x00f_ffff_fc0f
        s1 = r1 &* 20
        s2 = r2 &* 20
        (q0, q1, q2) = Self.multiply(r0, r1, r2, r0, r1, r2, s1, s2)
        u1 = q1 &* 20
        u2 = q2 &* 20
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
            withUnsafeBytes(of: pending) { blocks($0.baseAddress!, 16, hibit: 1 << 40) }
            pendingCount = 0
        }
        let full = (data.count - offset) & ~15
        if full > 0 {
            blocks(base + offset, full, hibit: 1 << 40)
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
        let m44 = Self.mask44, m42 = Self.mask42
        var c = h1 >> 44
        h1 &= m44
        h2 &+= c; c = h2 >> 42; h2 &= m42
        h0 &+= c &* 5; c = h0 >> 44; h0 &= m44
        h1 &+= c; c = h1 >> 44; h1 &= m44
        h2 &+= c; c = h2 >> 42; h2 &= m42
        h0 &+= c &* 5; c = h0 >> 44; h0 &= m44
        h1 &+= c

        // h + -p: keep it only if it did not go negative, i.e. h ≥ p.
        var g0 = h0 &+ 5
        c = g0 >> 44; g0 &= m44
        var g1 = h1 &+ c
        c = g1 >> 44; g1 &= m44
        var g2 = h2 &+ c &- (1 << 42)
        let keep = (g2 >> 63) &- 1
        g0 &= keep; g1 &= keep; g2 &= keep
        h0 = (h0 & ~keep) | g0
        h1 = (h1 & ~keep) | g1
        h2 = (h2 & ~keep) | g2

        h0 &+= pad0 & m44
        c = h0 >> 44; h0 &= m44
        h1 &+= (((pad0 >> 44) | (pad1 << 20)) & m44) &+ c
        c = h1 >> 44; h1 &= m44
        h2 &+= ((pad1 >> 24) & m42) &+ c
        h2 &= m42
        return (h0 | (h1 << 44), (h1 >> 20) | (h2 << 24))
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

    /// h·r mod p (partially reduced: limbs below 2⁴⁴, 2⁴⁴+2, 2⁴²).
    @inline(__always)
    private static func multiply(
        _ h0: UInt64, _ h1: UInt64, _ h2: UInt64, _ r0: UInt64, _ r1: UInt64, _ r2: UInt64, _ s1: UInt64, _ s2: UInt64
    ) -> (UInt64, UInt64, UInt64) {
        let d0 = mul(h0, r0) &+ mul(h1, s2) &+ mul(h2, s1)
        let d1 = mul(h0, r1) &+ mul(h1, r0) &+ mul(h2, s2)
        let d2 = mul(h0, r2) &+ mul(h1, r1) &+ mul(h2, r0)
        return carry(d0, d1, d2)
    }

    @inline(__always)
    private static func mul(_ a: UInt64, _ b: UInt64) -> UInt128 { UInt128(a) &* UInt128(b) }

    /// Folds three wide limbs back into 44/44/42 bits, wrapping the excess of 2¹³⁰ as ×5.
    @inline(__always)
    private static func carry(_ d0: UInt128, _ d1: UInt128, _ d2: UInt128) -> (UInt64, UInt64, UInt64) {
        var d1 = d1, d2 = d2
        var c = UInt64(truncatingIfNeeded: d0 >> 44)
        var h0 = UInt64(truncatingIfNeeded: d0) & mask44
        d1 &+= UInt128(c)
        c = UInt64(truncatingIfNeeded: d1 >> 44)
        let h1 = UInt64(truncatingIfNeeded: d1) & mask44
        d2 &+= UInt128(c)
        c = UInt64(truncatingIfNeeded: d2 >> 42)
        let h2 = UInt64(truncatingIfNeeded: d2) & mask42
        h0 &+= c &* 5
        c = h0 >> 44
        h0 &= mask44
        return (h0, h1 &+ c, h2)
    }

    @inline(__always)
    private static func limbs(_ p: UnsafeRawPointer, _ offset: Int, _ hibit: UInt64) -> (UInt64, UInt64, UInt64) {
        let t0 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let t1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
        return (t0 & mask44, ((t0 >> 44) | (t1 << 20)) & mask44, ((t1 >> 24) & mask42) | hibit)
    }

    @inline(__always)
    private mutating func blocks(_ p: UnsafeRawPointer, _ count: Int, hibit: UInt64) {
        var h0 = self.h0, h1 = self.h1, h2 = self.h2
        var offset = 0
        while count - offset >= 32 {
            let (a0, a1, a2) = Self.limbs(p, offset, hibit)
            let (b0, b1, b2) = Self.limbs(p, offset + 16, hibit)
            h0 &+= a0
            h1 &+= a1
            h2 &+= a2
            let d0 = Self.mul(h0, q0) &+ Self.mul(h1, u2) &+ Self.mul(h2, u1)
                &+ Self.mul(b0, r0) &+ Self.mul(b1, s2) &+ Self.mul(b2, s1)
            let d1 = Self.mul(h0, q1) &+ Self.mul(h1, q0) &+ Self.mul(h2, u2)
                &+ Self.mul(b0, r1) &+ Self.mul(b1, r0) &+ Self.mul(b2, s2)
            let d2 = Self.mul(h0, q2) &+ Self.mul(h1, q1) &+ Self.mul(h2, q0)
                &+ Self.mul(b0, r2) &+ Self.mul(b1, r1) &+ Self.mul(b2, r0)
            (h0, h1, h2) = Self.carry(d0, d1, d2)
            offset += 32
        }
        if count - offset >= 16 {
            let (a0, a1, a2) = Self.limbs(p, offset, hibit)
            (h0, h1, h2) = Self.multiply(h0 &+ a0, h1 &+ a1, h2 &+ a2, r0, r1, r2, s1, s2)
        }
        self.h0 = h0
        self.h1 = h1
        self.h2 = h2
    }
}
