/// Packet encryption and authentication in place: ZeroTier's suites 0 and 1 (Salsa20/12 + Poly1305) and 3
/// (AES-GMAC-SIV), and the HELLO `cryptField`.
///
/// Nothing here allocates: the packet is one buffer, keystream comes four blocks at a time into a stack buffer.
public enum PacketArmor {
    /// Why a received packet was not accepted.
    public enum Failure: String, Sendable, Error, CaseIterable {
        case tooShort
        /// The MAC (or the AES-GMAC-SIV tag) does not verify.
        case badMAC
        /// A suite that needs configuration (2, trusted path) or does not exist (4–7).
        case unsupportedSuite
    }

    /// Sets the cipher bits of the flags byte and encrypts/authenticates the packet in place.
    ///
    /// The fragmented flag must already be final: it is covered by the MAC. Hop count is forced to 0.
    public static func armor(_ packet: UnsafeMutableRawBufferPointer, suite: CipherSuite, keys: PeerKeys) {
        precondition(packet.count >= Packet.minimumLength)
        let fragmented = packet[Packet.flagsOffset] & Packet.flagFragmented
        switch suite {
        case .poly1305None:
            packet[Packet.flagsOffset] = fragmented
            _ = salsaPoly(packet, keys: keys, encrypt: false, verify: false)
        case .poly1305Salsa2012:
            packet[Packet.flagsOffset] = fragmented | Packet.flagEncrypted | CipherSuite.poly1305Salsa2012.rawValue << 3
            _ = salsaPoly(packet, keys: keys, encrypt: true, verify: false)
        case .aesGMACSIV:
            packet[Packet.flagsOffset] = fragmented | CipherSuite.aesGMACSIV.rawValue << 3
            keys.aes.seal(packet)
        case .trustedPath:
            preconditionFailure("suite 2 (trusted path) is not used for sending")
        }
    }

    public static func armor(_ packet: inout [UInt8], suite: CipherSuite, keys: PeerKeys) {
        packet.withUnsafeMutableBytes { armor($0, suite: suite, keys: keys) }
    }

    /// Authenticates and decrypts a received packet in place; on failure the packet must be dropped.
    public static func dearmor(_ packet: UnsafeMutableRawBufferPointer, keys: PeerKeys) -> Result<CipherSuite, Failure> {
        guard packet.count >= Packet.minimumLength else { return .failure(.tooShort) }
        switch CipherSuite(flags: packet[Packet.flagsOffset]) {
        case .poly1305None:
            return salsaPoly(packet, keys: keys, encrypt: false, verify: true) ? .success(.poly1305None) : .failure(.badMAC)
        case .poly1305Salsa2012:
            return salsaPoly(packet, keys: keys, encrypt: true, verify: true)
                ? .success(.poly1305Salsa2012) : .failure(.badMAC)
        case .aesGMACSIV:
            return keys.aes.open(packet) ? .success(.aesGMACSIV) : .failure(.badMAC)
        case .trustedPath, nil:
            return .failure(.unsupportedSuite)
        }
    }

    public static func dearmor(_ packet: inout [UInt8], keys: PeerKeys) -> Result<CipherSuite, Failure> {
        packet.withUnsafeMutableBytes { dearmor($0, keys: keys) }
    }

    /// XORs `length` bytes at `start` with Salsa20/12 keystream under the unmixed key and the packet id (low three
    /// bits cleared): how HELLO hides its moon list. Applying it twice restores the bytes.
    public static func cryptField(_ packet: UnsafeMutableRawBufferPointer, keys: PeerKeys, start: Int, length: Int) {
        precondition(start >= 0 && length >= 0 && start + length <= packet.count && packet.count >= 8)
        var nonce = SIMD8<UInt8>()
        for i in 0..<8 { nonce[i] = packet[i] }
        nonce[7] &= 0xf8
        var key = (keys.salsaLow, keys.salsaHigh)
        var salsa = withUnsafeBytes(of: &key) { k in
            withUnsafeBytes(of: &nonce) { n in Salsa20(key: k, nonce: n, rounds: 12) }
        }
        salsa.crypt(UnsafeMutableRawBufferPointer(rebasing: packet[start..<start + length]))
    }

    public static func cryptField(_ packet: inout [UInt8], keys: PeerKeys, start: Int, length: Int) {
        packet.withUnsafeMutableBytes { cryptField($0, keys: keys, start: start, length: length) }
    }

    /// Suites 0 and 1. Keystream block 0 gives the Poly1305 key; encryption uses the keystream from block 1 on.
    /// Returns whether the MAC verified (always true when armoring).
    private static func salsaPoly(
        _ packet: UnsafeMutableRawBufferPointer, keys: PeerKeys, encrypt: Bool, verify: Bool
    ) -> Bool {
        let base = packet.baseAddress!
        let length = packet.count
        // Per-packet key: key48[0..<32] XOR id, destination, source, flags without hops, total length (LE).
        var low = keys.salsaLow ^ base.loadUnaligned(as: SIMD16<UInt8>.self)
        var high = keys.salsaHigh
        high[0] ^= packet[16]
        high[1] ^= packet[17]
        high[2] ^= packet[Packet.flagsOffset] & 0xf8
        high[3] ^= UInt8(truncatingIfNeeded: length)
        high[4] ^= UInt8(truncatingIfNeeded: length >> 8)
        var key = (low, high)
        var salsa = withUnsafeBytes(of: &key) { k in
            Salsa20(key: k, nonce: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(packet)[0..<8]), rounds: 12)
        }
        low = .zero
        key = (low, low)
        let body = UnsafeMutableRawBufferPointer(rebasing: packet[Packet.verbOffset...])
        return withUnsafeTemporaryAllocation(byteCount: 256, alignment: 16) { stream in
            let ks = stream.baseAddress!
            salsa.nextFourBlocks(ks)
            let polyKey = UnsafeRawBufferPointer(start: ks, count: 32)
            if verify {
                let (tag, _) = Poly1305.tag(key: polyKey, message: UnsafeRawBufferPointer(body))
                guard tag == base.loadUnaligned(fromByteOffset: Packet.macOffset, as: UInt64.self) else {
                    return false
                }
                if encrypt { xorKeystream(body, ks, &salsa) }
            } else {
                if encrypt { xorKeystream(body, ks, &salsa) }
                let (tag, _) = Poly1305.tag(key: polyKey, message: UnsafeRawBufferPointer(body))
                base.storeBytes(of: tag, toByteOffset: Packet.macOffset, as: UInt64.self)
            }
            return true
        }
    }

    /// XORs keystream blocks 1, 2, 3 (already in `ks`) and then the running keystream over `body`.
    private static func xorKeystream(_ body: UnsafeMutableRawBufferPointer, _ ks: UnsafeMutableRawPointer, _ salsa: inout Salsa20) {
        let first = min(body.count, 192)
        let b = body.baseAddress!
        var i = 0
        while first - i >= 16 {
            let v = (b + i).loadUnaligned(as: SIMD16<UInt8>.self) ^ (ks + 64 + i).load(as: SIMD16<UInt8>.self)
            (b + i).storeBytes(of: v, as: SIMD16<UInt8>.self)
            i += 16
        }
        while i < first {
            b.storeBytes(of: b.load(fromByteOffset: i, as: UInt8.self) ^ ks.load(fromByteOffset: 64 + i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
            i += 1
        }
        if body.count > 192 {
            salsa.crypt(UnsafeMutableRawBufferPointer(rebasing: body[192...]))
        }
    }
}
