import CSixplaneCrypto
import Crypto
import Foundation  // for [UInt8]: DataProtocol in HMAC

/// The two AES-256 keys of ZeroTier's cipher suite 3 (AES-GMAC-SIV) for one peer, expanded once.
///
/// K0 keys GMAC (the GCM tag of empty plaintext), K1 the tag block cipher and CTR. Both come from the 48-byte peer
/// key by a KBKDF with HMAC-SHA384: `HMAC(key48, 00000000 'Z' 'T' label 00 00 00000180)[0..<32]`, label '0' or '1'.
public final class AESGMACSIV: @unchecked Sendable {
    // @unchecked: both members are written only in init; BoringSSL's GCM seal and AES block/CTR functions take the
    // contexts as const and keep no state in them, so concurrent use from several threads is safe.
    private let gcm: UnsafeMutableRawPointer
    private let schedule: UnsafeMutablePointer<sixplane_aes256>
    /// K1's round keys for the four-blocks-an-instruction CTR, on CPUs that have it (nil elsewhere).
    private let wide: UnsafeMutablePointer<sixplane_aes256_wide>?

    /// Whether this CPU runs CTR on 512-bit VAES; read once.
    public static let hasWideAES = sixplane_cpu_has_wide_aes() == 1

    public let k0: [UInt8]
    public let k1: [UInt8]

    /// KBKDF-HMAC-SHA384 as ZeroTier uses it (one 384-bit block; the first 32 bytes are the AES key).
    public static func deriveKey(_ key48: [UInt8], label: UInt8) -> [UInt8] {
        let message: [UInt8] = [0, 0, 0, 0, UInt8(ascii: "Z"), UInt8(ascii: "T"), label, 0, 0, 0, 0, 0x01, 0x80]
        let mac = HMAC<SHA384>.authenticationCode(for: message, using: SymmetricKey(data: key48))
        return Array(mac)
    }

    public convenience init(key48: [UInt8]) { self.init(key48: key48, wide: Self.hasWideAES) }

    /// `wide: false` keeps CTR on BoringSSL even where VAES is there (tests compare the two).
    public init(key48: [UInt8], wide useWide: Bool) {
        precondition(key48.count == 48, "suite 3 keys derive from the 48-byte peer key")
        k0 = Array(Self.deriveKey(key48, label: UInt8(ascii: "0")).prefix(32))
        k1 = Array(Self.deriveKey(key48, label: UInt8(ascii: "1")).prefix(32))
        guard let context = k0.withUnsafeBufferPointer({ sixplane_gcm_new($0.baseAddress) }) else {
            fatalError("BoringSSL refused a 32-byte AES-GCM key")
        }
        gcm = context
        let schedule = UnsafeMutablePointer<sixplane_aes256>.allocate(capacity: 1)
        let rc = k1.withUnsafeBufferPointer { sixplane_aes256_init(schedule, $0.baseAddress) }
        precondition(rc == 0, "BoringSSL refused a 32-byte AES key")
        self.schedule = schedule
        if useWide && Self.hasWideAES {
            let w = UnsafeMutablePointer<sixplane_aes256_wide>.allocate(capacity: 1)
            k1.withUnsafeBufferPointer { sixplane_aes256_wide_init(w, $0.baseAddress) }
            wide = w
        } else {
            wide = nil
        }
    }

    deinit {
        sixplane_gcm_free(gcm)
        schedule.deallocate()
        wide?.deallocate()
    }

    private func ctr(_ counter: UnsafePointer<UInt8>, _ data: UnsafeMutableRawPointer, _ length: Int) {
        let bytes = data.assumingMemoryBound(to: UInt8.self)
        if let wide { sixplane_aes256_wide_ctr(wide, counter, bytes, length) } else { sixplane_aes256_ctr(schedule, counter, bytes, length) }
    }

    /// Encrypts the packet in place: computes the tag over header fields and plaintext, encrypts from byte 27, and
    /// writes the tag's halves to bytes 0–7 (replacing the packet id) and 19–26. The flags byte must be final.
    public func seal(_ packet: UnsafeMutableRawBufferPointer) {
        precondition(packet.count >= Packet.minimumLength)
        let base = packet.baseAddress!
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 16) { scratch in
            let tag = scratch.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let counter = tag + 16
            // tag block = iv8 ‖ mac8, then encrypted with K1.
            tag.update(from: base.assumingMemoryBound(to: UInt8.self), count: 8)
            UnsafeMutableRawPointer(tag + 8).storeBytes(of: gmac(packet, iv: base), as: UInt64.self)
            sixplane_aes256_encrypt_block(schedule, tag, tag)
            counter.update(from: tag, count: 16)
            counter[12] &= 0x7f
            ctr(counter, base + Packet.verbOffset, packet.count - Packet.verbOffset)
            base.copyMemory(from: tag, byteCount: 8)
            (base + Packet.macOffset).copyMemory(from: tag + 8, byteCount: 8)
        }
    }

    /// Decrypts the packet in place and checks its tag; false if it does not verify (the payload is then garbage).
    /// Bytes 0–7 keep the wire id (the tag half): replies, fragments and reply tracking all refer to that value.
    public func open(_ packet: UnsafeMutableRawBufferPointer) -> Bool {
        guard packet.count >= Packet.minimumLength else { return false }
        let base = packet.baseAddress!
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 16) { scratch in
            let tag = scratch.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let counter = tag + 16
            tag.update(from: base.assumingMemoryBound(to: UInt8.self), count: 8)
            (tag + 8).update(from: (base + Packet.macOffset).assumingMemoryBound(to: UInt8.self), count: 8)
            counter.update(from: tag, count: 16)
            counter[12] &= 0x7f
            ctr(counter, base + Packet.verbOffset, packet.count - Packet.verbOffset)
            // Decrypting the tag block gives back iv8 ‖ mac8.
            sixplane_aes256_decrypt_block(schedule, tag, tag)
            return gmac(packet, iv: UnsafeRawPointer(tag)) == UnsafeRawPointer(tag + 8).loadUnaligned(as: UInt64.self)
        }
    }

    /// G[0..<8] XOR G[8..<16], G the GCM tag under K0 with nonce iv ‖ 00000000, empty plaintext, and as additional
    /// data (dest ‖ src ‖ flags&0xf8 ‖ 5 zero bytes ‖ bytes 27…).
    ///
    /// The 16 header bytes are written over bytes 11–26 so that they sit right before the payload and the whole
    /// additional data is one contiguous run with no copy; those bytes are restored afterwards.
    private func gmac(_ packet: UnsafeMutableRawBufferPointer, iv: UnsafeRawPointer) -> UInt64 {
        let base = packet.baseAddress!
        let saved = (base + 11).loadUnaligned(as: SIMD16<UInt8>.self)
        var header = SIMD16<UInt8>()
        for i in 0..<11 { header[i] = packet[8 + i] }
        header[10] &= 0xf8
        // iv is read before the header is written: for seal it points into the packet's first 8 bytes, which the
        // header bytes (11…26) do not touch.
        return withUnsafeTemporaryAllocation(byteCount: 32, alignment: 16) { scratch in
            let nonce = scratch.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let tag = nonce + 16
            nonce.update(from: iv.assumingMemoryBound(to: UInt8.self), count: 8)
            for i in 8..<12 { nonce[i] = 0 }
            (base + 11).storeBytes(of: header, as: SIMD16<UInt8>.self)
            let ok = sixplane_gmac(
                gcm, nonce, (base + 11).assumingMemoryBound(to: UInt8.self), packet.count - 11, tag)
            (base + 11).storeBytes(of: saved, as: SIMD16<UInt8>.self)
            precondition(ok == 1, "GCM tag computation failed")
            let raw = UnsafeRawPointer(tag)
            return raw.loadUnaligned(as: UInt64.self) ^ raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        }
    }
}
