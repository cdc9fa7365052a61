/// Why a cryptographic operation could not be done or did not check out.
public struct CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The operation needs a secret key and the identity has only its public half.
        case noSecretKey
        /// A key of the wrong length or one the curve library rejects.
        case invalidKey
        /// X25519 gave the all-zero secret (a low-order public key): no session with that peer.
        case keyAgreementFailed
        /// The identity's memory-hard hash does not yield its address, or is above the threshold.
        case invalidIdentity
        /// A signature that is malformed or does not verify.
        case badSignature
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
