/// The symmetric keys shared with one peer, derived once from the C25519 agreement.
///
/// `key48` = SHA-512(X25519 secret)[0..<48]: its first 32 bytes key Salsa20/12 (suites 0 and 1, after per-packet
/// mixing) and the HELLO `cryptField`; all 48 feed the AES-GMAC-SIV key derivation (suite 3).
public final class PeerKeys: Sendable {
    public let key48: [UInt8]
    /// key48[0..<32] as two vectors, for the per-packet key mixing.
    let salsaLow: SIMD16<UInt8>
    let salsaHigh: SIMD16<UInt8>
    public let aes: AESGMACSIV

    public init(key48: [UInt8]) {
        precondition(key48.count == 48, "peer keys come from a 48-byte agreement")
        self.key48 = key48
        salsaLow = SIMD16(key48[0..<16])
        salsaHigh = SIMD16(key48[16..<32])
        aes = AESGMACSIV(key48: key48)
    }

    /// The keys between `local` (with its secret) and `peer`.
    public convenience init(local: Identity, peer: Identity) throws(CryptoError) {
        self.init(key48: try local.agree(with: peer))
    }
}
