import Crypto

/// A ZeroTier identity of type 0: a 40-bit address bound to a C25519 public key by the memory-hard hash, and
/// optionally the secret key.
///
/// Two identities are equal when address and public key are; the secret key is not part of equality.
public struct Identity: Sendable, CustomStringConvertible {
    /// The only identity type ZeroTier 1.x defines (C25519).
    public static let typeC25519: UInt8 = 0
    /// Size of the public binary form: address, type, key, zero secret length.
    public static let publicBinaryLength = 71

    public let address: Address
    /// X25519 public (32) ‖ Ed25519 public (32).
    public let publicKey: [UInt8]
    /// X25519 scalar (32) ‖ Ed25519 seed (32), when known.
    public let secretKey: [UInt8]?
    /// The secret's Ed25519 key, made once: a controller signs several credentials per config request.
    private let signingKey: Curve25519.Signing.PrivateKey?

    /// Assembles an identity from parts without checking the hash (see `validate()`).
    public init(address: Address, publicKey: [UInt8], secretKey: [UInt8]? = nil) throws(WireError) {
        guard publicKey.count == C25519.publicKeyLength else {
            throw WireError(.wrongLength, "public key must be 64 bytes, got \(publicKey.count)")
        }
        if let secretKey, secretKey.count != C25519.secretKeyLength {
            throw WireError(.wrongLength, "secret key must be 64 bytes, got \(secretKey.count)")
        }
        self.address = address
        self.publicKey = publicKey
        self.secretKey = secretKey
        signingKey = secretKey.flatMap { try? C25519.signingKey(secret: $0) }
    }

    public var hasSecret: Bool { secretKey != nil }

    /// The same identity without its secret key.
    public var publicOnly: Identity {
        // The parts were checked when self was made.
        try! Identity(address: address, publicKey: publicKey)
    }

    // MARK: Generation and validation

    /// Generates a new valid identity, about 15 hash evaluations on average.
    ///
    /// Like ZeroTier, the Ed25519 half is fixed once and the X25519 scalar is stepped until the hash passes, so only
    /// one curve operation is needed per attempt. The step is in bytes 8–15: X25519 clamps the low bits of byte 0,
    /// so stepping there would often give the same public key again.
    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> Identity {
        MemoryHardHash.withScratch { generate(using: &rng, scratch: $0) }
    }

    private static func generate<R: RandomNumberGenerator>(using rng: inout R, scratch: UnsafeMutableRawBufferPointer) -> Identity {
        while true {
            var secret = [UInt8](repeating: 0, count: 64)
            for i in 0..<64 { secret[i] = UInt8.random(in: .min ... .max, using: &rng) }
            // Neither can fail on 32 random bytes.
            let edPublic = try! C25519.ed25519PublicKey(seed: secret[32..<64])
            for _ in 0..<4096 {
                var word = UInt64(0)
                for i in 0..<8 { word |= UInt64(secret[8 + i]) << (8 * UInt64(i)) }
                word &+= 1
                for i in 0..<8 { secret[8 + i] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(i))) }
                let publicKey = try! C25519.x25519PublicKey(secret: secret[0..<32]) + edPublic
                let digest = MemoryHardHash.digest(publicKey: publicKey, scratch: scratch)
                guard digest[0] < MemoryHardHash.threshold else { continue }
                let address = Address(bytes: digest[59..<64])
                guard !address.isReserved else { break }
                return try! Identity(address: address, publicKey: publicKey, secretKey: secret)
            }
        }
    }

    /// The memory-hard digest of the public key (about 2 MiB of work; cache the verdict).
    public var digest: [UInt8] { MemoryHardHash.digest(publicKey: publicKey) }

    /// Checks that the address is not reserved and is what the public key hashes to, and if a secret key is present
    /// that it belongs to the public key.
    public func validate() throws(CryptoError) {
        try MemoryHardHash.withScratch { (scratch) throws(CryptoError) in try validate(scratch: scratch) }
    }

    /// As `validate()`, with the hash's 2 MiB in `scratch` (a validator that runs often keeps one buffer).
    public func validate(scratch: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        guard !address.isReserved else {
            throw CryptoError(.invalidIdentity, "identity \(address): address is reserved")
        }
        let d = MemoryHardHash.digest(publicKey: publicKey, scratch: scratch)
        guard d[0] < MemoryHardHash.threshold else {
            throw CryptoError(
                .invalidIdentity,
                "identity \(address): memory-hard hash of the public key starts with \(d[0]), must be below \(MemoryHardHash.threshold)")
        }
        let derived = Address(bytes: d[59..<64])
        guard derived == address else {
            throw CryptoError(
                .invalidIdentity, "identity \(address): public key hashes to address \(derived), not \(address)")
        }
        if let secretKey {
            guard (try? C25519.publicKey(secret: secretKey)) == publicKey else {
                throw CryptoError(.invalidIdentity, "identity \(address): secret key does not match the public key")
            }
        }
    }

    public var isValid: Bool { (try? validate()) != nil }

    // MARK: Keys

    /// The 48-byte symmetric key shared with `peer`: SHA-512 of the X25519 secret, truncated.
    public func agree(with peer: Identity) throws(CryptoError) -> [UInt8] {
        Array(try rawAgreement(with: peer).prefix(48))
    }

    /// The full 64-byte SHA-512 of the X25519 secret (what ZeroTier's self-test compares).
    public func rawAgreement(with peer: Identity) throws(CryptoError) -> [UInt8] {
        guard let secretKey else {
            throw CryptoError(.noSecretKey, "identity \(address) has no secret key, cannot agree on a key")
        }
        return try C25519.agree(secret: secretKey, peerPublic: peer.publicKey)
    }

    public func sign(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let signingKey else {
            throw CryptoError(.noSecretKey, "identity \(address) has no secret key, cannot sign")
        }
        return try C25519.sign(key: signingKey, message: message)
    }

    public func verify(_ message: [UInt8], signature: [UInt8]) -> Bool {
        C25519.verify(publicKey: publicKey, message: message, signature: signature)
    }

    // MARK: Text form

    /// `address:0:public-hex` (what `identity.public` holds).
    public var description: String { "\(address):0:\(Hex.encode(publicKey))" }

    /// `address:0:public-hex:secret-hex` if the secret is known, else the public form.
    public var secretDescription: String {
        guard let secretKey else { return description }
        return "\(description):\(Hex.encode(secretKey))"
    }

    /// Parses `address:0:public[:secret]`, surrounding whitespace allowed. Does not validate the hash.
    public init<S: StringProtocol>(parsing text: S) throws(WireError) {
        let trimmed = text.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed()
        let fields = String(trimmed).split(separator: ":", omittingEmptySubsequences: true)
        guard fields.count >= 3 else {
            throw WireError(
                .truncated, "identity: expected address:0:public[:secret], found \(fields.count) field(s)")
        }
        guard fields.count <= 4 else {
            throw WireError(.malformed, "identity: expected at most 4 ':'-separated fields, found \(fields.count)")
        }
        let address = try Address(hex: fields[0])
        guard fields[1] == "0" else {
            throw WireError(.unknownType, "identity: unknown identity type '\(fields[1])' (only 0 is defined)")
        }
        let publicKey = try Hex.decode(fields[2], what: "identity public key", count: C25519.publicKeyLength)
        let secretKey =
            fields.count == 4
            ? try Hex.decode(fields[3], what: "identity secret key", count: C25519.secretKeyLength) : nil
        try self.init(address: address, publicKey: publicKey, secretKey: secretKey)
    }

    // MARK: Binary form

    /// address[5] type[1] public[64] secretLength[1] secret[0|64]
    public func serialized(includingSecret: Bool = false) -> [UInt8] {
        var out = address.bytes
        out.reserveCapacity(Self.publicBinaryLength + 64)
        out.append(Self.typeC25519)
        out += publicKey
        if includingSecret, let secretKey {
            out.append(UInt8(C25519.secretKeyLength))
            out += secretKey
        } else {
            out.append(0)
        }
        return out
    }

    /// Reads the binary form; reserved addresses, unknown types and secret lengths other than 0 or 64 are errors.
    public init(reading reader: inout ByteReader) throws(WireError) {
        let address = Address(truncating: try reader.readInteger(5, "identity address"))
        guard !address.isReserved else {
            throw WireError(.reservedAddress, "\(reader.context): identity address \(address) is reserved")
        }
        let type = try reader.readUInt8("identity type")
        guard type == Self.typeC25519 else {
            throw WireError(.unknownType, "\(reader.context): unknown identity type \(type)")
        }
        let publicKey = try reader.readBytes(C25519.publicKeyLength, "identity public key")
        let secretLength = try reader.readUInt8("identity secret length")
        var secretKey: [UInt8]? = nil
        switch Int(secretLength) {
        case 0: break
        case C25519.secretKeyLength: secretKey = try reader.readBytes(C25519.secretKeyLength, "identity secret key")
        default:
            throw WireError(.wrongLength, "\(reader.context): identity secret key length \(secretLength), must be 0 or 64")
        }
        try self.init(address: address, publicKey: publicKey, secretKey: secretKey)
    }
}

extension Identity: Hashable {
    public static func == (a: Identity, b: Identity) -> Bool {
        a.address == b.address && a.publicKey == b.publicKey
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(address)
        hasher.combine(publicKey)
    }
}
