/// A certificate of membership: the controller's signed statement that a member belongs to a network, now.
///
/// `01 count(2) {id(8) value(8) maxDelta(8)}… signedBy(5) [sig(96) if signedBy ≠ 0]`. The controller issues seven
/// qualifiers: timestamp (id 0, max delta = the network's credential window), network id (1, exact), issued-to
/// address (2) and four words of SHA-384(address ‖ public key) (3–6), binding the certificate to one key. Two
/// members may talk when each one's certificate agrees with the other's within the *receiver's* max deltas.
public struct CertificateOfMembership: Equatable, Sendable {
    public struct Qualifier: Equatable, Sendable {
        public var id: UInt64
        public var value: UInt64
        public var maxDelta: UInt64

        public init(id: UInt64, value: UInt64, maxDelta: UInt64) {
            self.id = id
            self.value = value
            self.maxDelta = maxDelta
        }
    }

    public static let idTimestamp: UInt64 = 0
    public static let idNetwork: UInt64 = 1
    public static let idIssuedTo: UInt64 = 2
    public static let maxQualifiers = 8

    public var qualifiers: [Qualifier]
    public var signedBy: Address
    public var signature: [UInt8]

    public init(qualifiers: [Qualifier], signedBy: Address = Address(truncating: 0), signature: [UInt8] = []) {
        self.qualifiers = qualifiers
        self.signedBy = signedBy
        self.signature = signature
    }

    /// The seven-qualifier certificate a controller issues (unsigned; see `signed(by:)`).
    public init(timestamp: Int64, maxDelta: UInt64, network: NetworkID, issuedTo: Identity) {
        var q = [
            Qualifier(id: Self.idTimestamp, value: UInt64(bitPattern: timestamp), maxDelta: maxDelta),
            Qualifier(id: Self.idNetwork, value: network.rawValue, maxDelta: 0),
            Qualifier(id: Self.idIssuedTo, value: issuedTo.address.rawValue, maxDelta: .max),
        ]
        for (i, word) in Self.publicKeyHash(issuedTo).enumerated() {
            q.append(Qualifier(id: UInt64(3 + i), value: word, maxDelta: .max))
        }
        self.init(qualifiers: q)
    }

    /// SHA-384(address ‖ public key), first four big-endian 64-bit words.
    public static func publicKeyHash(_ identity: Identity) -> [UInt64] {
        let digest = Hashes.sha384(identity.address.bytes + identity.publicKey)
        return (0..<4).map { i in digest[(i * 8)..<(i * 8 + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
    }

    public func value(_ id: UInt64) -> UInt64? { qualifiers.first { $0.id == id }?.value }
    public var timestamp: Int64 { Int64(bitPattern: value(Self.idTimestamp) ?? 0) }
    public var network: NetworkID { NetworkID(rawValue: value(Self.idNetwork) ?? 0) }
    public var issuedTo: Address { Address(truncating: value(Self.idIssuedTo) ?? 0) }

    public init(reading r: inout ByteReader) throws(WireError) {
        let version = try r.readUInt8("COM version")
        guard version == 1 else { throw WireError(.unknownType, "\(r.context): COM version \(version), expected 1") }
        let count = try r.readUInt16("COM qualifier count")
        guard count <= Self.maxQualifiers else {
            throw WireError(.oversize, "\(r.context): COM with \(count) qualifiers, at most 8")
        }
        var q: [Qualifier] = []
        for _ in 0..<count {
            let qualifier = Qualifier(
                id: try r.readUInt64("qualifier id"), value: try r.readUInt64("qualifier value"),
                maxDelta: try r.readUInt64("qualifier max delta"))
            if let last = q.last, qualifier.id < last.id {
                throw WireError(.malformed, "\(r.context): COM qualifier ids out of order")
            }
            q.append(qualifier)
        }
        qualifiers = q
        signedBy = Address(truncating: try r.readInteger(5, "COM signer"))
        signature = signedBy.rawValue == 0 ? [] : try r.readBytes(96, "COM signature")
    }

    public init(bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes, context: "COM")
        try self.init(reading: &r)
        try r.expectEnd()
    }

    public func write(to out: inout [UInt8]) {
        out.append(1)
        out.appendUInt16(UInt16(qualifiers.count))
        out += signedBytes
        out.appendInteger(signedBy.rawValue, count: 5)
        if signedBy.rawValue != 0 { out += signature }
    }

    public var serialized: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    /// What the controller signs: the qualifier triples, nothing else.
    public var signedBytes: [UInt8] {
        var out: [UInt8] = []
        for q in qualifiers {
            out.appendUInt64(q.id)
            out.appendUInt64(q.value)
            out.appendUInt64(q.maxDelta)
        }
        return out
    }

    public func signed(by controller: Identity) throws(CryptoError) -> CertificateOfMembership {
        var copy = self
        copy.signature = try controller.sign(signedBytes)
        copy.signedBy = controller.address
        return copy
    }

    /// Signed by the network's controller (`nwid >> 24`), with that identity.
    public func verify(controller: Identity) -> Bool {
        signedBy.rawValue != 0 && signedBy == network.controller && controller.address == signedBy
            && qualifiers.count <= Self.maxQualifiers && controller.verify(signedBytes, signature: signature)
    }

    /// Whether `other`, presented by `otherIdentity`, agrees with this (our own) certificate.
    public func agrees(with other: CertificateOfMembership, otherIdentity: Identity) -> Bool {
        guard !qualifiers.isEmpty, !other.qualifiers.isEmpty else { return false }
        var theirs: [UInt64: UInt64] = [:]
        for q in other.qualifiers { theirs[q.id] = q.value }
        var bindsKey = false
        for q in qualifiers {
            if (3...6).contains(q.id) { bindsKey = true }
            guard let b = theirs[q.id] else { return false }
            let difference = q.value >= b ? q.value - b : b - q.value
            guard difference <= q.maxDelta else { return false }
        }
        if bindsKey {
            for (i, word) in Self.publicKeyHash(otherIdentity).enumerated() where theirs[UInt64(3 + i)] != word {
                return false
            }
        }
        return true
    }
}
