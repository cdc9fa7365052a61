/// The earlier scalar implementation (three 44-bit limbs, one block at a time), kept as an independent reference
/// for the vectorized one.
struct ReferencePoly1305 {
    private static let mask44: UInt64 = 0xfff_ffff_ffff
    private static let mask42: UInt64 = 0x3ff_ffff_ffff

    private let r0, r1, r2: UInt64
    private let s1, s2: UInt64
    private let pad0, pad1: UInt64
    private var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0
    private var pending: SIMD16<UInt8> = .zero
    private var pendingCount = 0

    /// - Parameter key: 32 bytes; the first 16 are `r` (clamped here), the last 16 the final pad `s`.
    init(key: UnsafeRawBufferPointer) {
        precondition(key.count >= 32, "Poly1305 needs a 32-byte key")
        let t0 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let t1 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        r0 = t0 & 0xffc_0fff_ffff
        r1 = ((t0 >> 44) | (t1 << 20)) & 0xfff_ffc0_ffff
        r2 = (t1 >> 24) & 0x00f_ffff_fc0f
        s1 = r1 &* 20
        s2 = r2 &* 20
        pad0 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        pad1 = UInt64(littleEndian: key.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    init(key: [UInt8]) {
        precondition(key.count == 32, "Poly1305 needs a 32-byte key")
        self = key.withUnsafeBytes { ReferencePoly1305(key: $0) }
    }

    /// Absorbs `data`; may be called any number of times with pieces of any length.
    mutating func update(_ data: UnsafeRawBufferPointer) {
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
    mutating func finalizeWords() -> (UInt64, UInt64) {
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
    mutating func finalize() -> [UInt8] {
        let (lo, hi) = finalizeWords()
        var out = [UInt8](repeating: 0, count: 16)
        out.withUnsafeMutableBytes {
            $0.storeBytes(of: lo.littleEndian, toByteOffset: 0, as: UInt64.self)
            $0.storeBytes(of: hi.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        return out
    }

    /// One-shot tag of `message` under `key`.
    static func tag(key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var p = ReferencePoly1305(key: key)
        p.update(message)
        return p.finalizeWords()
    }

    static func tag(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var p = ReferencePoly1305(key: key)
        message.withUnsafeBytes { p.update($0) }
        return p.finalize()
    }

    @inline(__always)
    private mutating func blocks(_ p: UnsafeRawPointer, _ count: Int, hibit: UInt64) {
        let r0 = UInt128(self.r0), r1 = UInt128(self.r1), r2 = UInt128(self.r2)
        let s1 = UInt128(self.s1), s2 = UInt128(self.s2)
        let m44 = Self.mask44, m42 = Self.mask42
        var h0 = self.h0, h1 = self.h1, h2 = self.h2
        var offset = 0
        while offset < count {
            let t0 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let t1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
            h0 &+= t0 & m44
            h1 &+= ((t0 >> 44) | (t1 << 20)) & m44
            h2 &+= ((t1 >> 24) & m42) | hibit

            let d0 = UInt128(h0) &* r0 &+ UInt128(h1) &* s2 &+ UInt128(h2) &* s1
            var d1 = UInt128(h0) &* r1 &+ UInt128(h1) &* r0 &+ UInt128(h2) &* s2
            var d2 = UInt128(h0) &* r2 &+ UInt128(h1) &* r1 &+ UInt128(h2) &* r0

            var c = UInt64(truncatingIfNeeded: d0 >> 44)
            h0 = UInt64(truncatingIfNeeded: d0) & m44
            d1 &+= UInt128(c)
            c = UInt64(truncatingIfNeeded: d1 >> 44)
            h1 = UInt64(truncatingIfNeeded: d1) & m44
            d2 &+= UInt128(c)
            c = UInt64(truncatingIfNeeded: d2 >> 42)
            h2 = UInt64(truncatingIfNeeded: d2) & m42
            h0 &+= c &* 5
            c = h0 >> 44
            h0 &= m44
            h1 &+= c
            offset += 16
        }
        self.h0 = h0
        self.h1 = h1
        self.h2 = h2
    }
}
