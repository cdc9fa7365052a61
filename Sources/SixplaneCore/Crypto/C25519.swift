import Crypto
import Foundation  // for [UInt8]: DataProtocol, which swift-crypto's APIs take

/// ZeroTier's "C25519" key pair: an X25519 key for agreement and an Ed25519 key for signatures, side by side.
///
/// Public keys are 64 bytes (X25519 public ‖ Ed25519 public), secret keys 64 bytes (X25519 scalar ‖ Ed25519 seed).
/// Both halves are standard RFC 7748 / RFC 8032 keys, so swift-crypto does the curve work; this type only knows how
/// ZeroTier combines them: agreement is SHA-512 of the X25519 secret, and signatures sign the first 32 bytes of
/// SHA-512(message) and carry those 32 bytes after the 64-byte Ed25519 signature.
public enum C25519 {
    public static let publicKeyLength = 64
    public static let secretKeyLength = 64
    public static let signatureLength = 96

    /// The 64-byte public key of a 64-byte secret key.
    public static func publicKey(secret: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard secret.count == secretKeyLength else {
            throw CryptoError(.invalidKey, "secret key must be \(secretKeyLength) bytes, got \(secret.count)")
        }
        return try x25519PublicKey(secret: secret[0..<32]) + ed25519PublicKey(seed: secret[32..<64])
    }

    static func x25519PublicKey(secret: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        do {
            return Array(try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret).publicKey.rawRepresentation)
        } catch {
            throw CryptoError(.invalidKey, "X25519 secret key rejected: \(error)")
        }
    }

    static func ed25519PublicKey(seed: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        do {
            return Array(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).publicKey.rawRepresentation)
        } catch {
            throw CryptoError(.invalidKey, "Ed25519 seed rejected: \(error)")
        }
    }

    /// SHA-512 of the X25519 shared secret (64 bytes); peers use the first 48 as their symmetric key.
    public static func agree(secret: [UInt8], peerPublic: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard secret.count == secretKeyLength, peerPublic.count == publicKeyLength else {
            throw CryptoError(.invalidKey, "key agreement needs a 64-byte secret and a 64-byte public key")
        }
        let shared: SharedSecret
        do {
            let mine = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: secret[0..<32])
            let theirs = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: peerPublic[0..<32])
            shared = try mine.sharedSecretFromKeyAgreement(with: theirs)
        } catch {
            throw CryptoError(.keyAgreementFailed, "X25519 agreement failed (low-order or invalid public key)")
        }
        // ZeroTier does not check this, but a low-order peer key makes the "shared" secret public; refusing it
        // costs nothing, as no genuine key produces it.
        let raw = shared.withUnsafeBytes { Array($0) }
        guard raw.contains(where: { $0 != 0 }) else {
            throw CryptoError(.keyAgreementFailed, "X25519 agreement gave the all-zero secret (low-order public key)")
        }
        return Hashes.sha512(raw)
    }

    /// The 96-byte signature of `message`: Ed25519 over SHA-512(message)[0..<32], then those 32 bytes.
    public static func sign(secret: [UInt8], message: [UInt8]) throws(CryptoError) -> [UInt8] {
        try sign(key: try signingKey(secret: secret), message: message)
    }

    /// The Ed25519 half of a secret key, ready to sign (making it costs a curve operation: keep it).
    public static func signingKey(secret: [UInt8]) throws(CryptoError) -> Curve25519.Signing.PrivateKey {
        guard secret.count == secretKeyLength else {
            throw CryptoError(.invalidKey, "secret key must be \(secretKeyLength) bytes, got \(secret.count)")
        }
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: secret[32..<64]) } catch {
            throw CryptoError(.invalidKey, "bad Ed25519 seed: \(error)")
        }
    }

    public static func sign(key: Curve25519.Signing.PrivateKey, message: [UInt8]) throws(CryptoError) -> [UInt8] {
        let digest = Array(Hashes.sha512(message).prefix(32))
        do {
            return Array(try key.signature(for: digest)) + digest
        } catch {
            throw CryptoError(.invalidKey, "Ed25519 signing failed: \(error)")
        }
    }

    /// Whether `signature` is a valid 96-byte C25519 signature of `message` by `publicKey`.
    public static func verify(publicKey: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        guard publicKey.count == publicKeyLength, signature.count == signatureLength else { return false }
        let digest = Array(Hashes.sha512(message).prefix(32))
        // Constant-time is not needed here: the embedded digest is public.
        guard signature[64..<96].elementsEqual(digest) else { return false }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey[32..<64]) else { return false }
        return key.isValidSignature(signature[0..<64], for: digest)
    }
}
