/// A world: the signed list of roots a node trusts, as a planet (one per node) or a moon (any number, orbited).
///
/// `type(1) id(8) timestamp(8) updatesMustBeSignedBy(64) signature(96) rootCount(1) {identity(71)
/// endpointCount(1) endpoints}… [moons: dictLength(2) dict]`. An update replaces a world only if it has the same
/// type and id, a newer timestamp, and a signature by the *current* world's `updatesMustBeSignedBy` key.
public struct World: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case planet = 1
        case moon = 127
    }

    public struct Root: Equatable, Sendable {
        public var identity: Identity
        public var endpoints: [InetAddress]

        public init(identity: Identity, endpoints: [InetAddress]) {
            self.identity = identity
            self.endpoints = endpoints
        }
    }

    public static let maxRoots = 4
    public static let maxEndpointsPerRoot = 32
    public static let maxSerializedLength = 8480

    public var kind: Kind
    public var id: UInt64
    public var timestamp: UInt64
    /// The C25519 public key that must sign the next update.
    public var updatesMustBeSignedBy: [UInt8]
    public var signature: [UInt8]
    public var roots: [Root]

    public init(
        kind: Kind, id: UInt64, timestamp: UInt64, updatesMustBeSignedBy: [UInt8], signature: [UInt8] = [],
        roots: [Root]
    ) {
        self.kind = kind
        self.id = id
        self.timestamp = timestamp
        self.updatesMustBeSignedBy = updatesMustBeSignedBy
        self.signature = signature
        self.roots = roots
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        let type = try r.readUInt8("world type")
        guard let kind = Kind(rawValue: type) else {
            throw WireError(.unknownType, "\(r.context): world type \(type), expected 1 (planet) or 127 (moon)")
        }
        self.kind = kind
        id = try r.readUInt64("world id")
        timestamp = try r.readUInt64("world timestamp")
        updatesMustBeSignedBy = try r.readBytes(64, "update key")
        signature = try r.readBytes(96, "world signature")
        let count = try r.readUInt8("root count")
        guard count <= Self.maxRoots else {
            throw WireError(.oversize, "\(r.context): \(count) roots, at most \(Self.maxRoots)")
        }
        roots = []
        for _ in 0..<count {
            let identity = try Identity(reading: &r)
            let endpointCount = try r.readUInt8("endpoint count")
            guard endpointCount <= Self.maxEndpointsPerRoot else {
                throw WireError(.oversize, "\(r.context): \(endpointCount) endpoints, at most 32")
            }
            var endpoints: [InetAddress] = []
            for _ in 0..<endpointCount { endpoints.append(try InetAddress(reading: &r)) }
            roots.append(Root(identity: identity, endpoints: endpoints))
        }
        if kind == .moon {
            let dictionaryLength = try r.readUInt16("moon dictionary length")
            try r.skip(Int(dictionaryLength), "moon dictionary")
        }
    }

    /// Parses a whole world file (no trailing bytes).
    public init(bytes: [UInt8]) throws(WireError) {
        guard bytes.count <= Self.maxSerializedLength else {
            throw WireError(.oversize, "world: \(bytes.count) bytes, at most \(Self.maxSerializedLength)")
        }
        var r = ByteReader(bytes, context: "world")
        try self.init(reading: &r)
        try r.expectEnd()
    }

    private func body(includeSignature: Bool) -> [UInt8] {
        var out: [UInt8] = [kind.rawValue]
        out.appendUInt64(id)
        out.appendUInt64(timestamp)
        out += updatesMustBeSignedBy
        if includeSignature { out += signature }
        out.append(UInt8(roots.count))
        for root in roots {
            out += root.identity.serialized()
            out.append(UInt8(root.endpoints.count))
            for e in root.endpoints { e.write(to: &out) }
        }
        if kind == .moon { out.appendUInt16(0) }
        return out
    }

    public var serialized: [UInt8] { body(includeSignature: true) }

    /// What is signed: the world without its signature, between 0x7f×8 and 0xf7×8.
    public var signedBytes: [UInt8] {
        [UInt8](repeating: 0x7f, count: 8) + body(includeSignature: false) + [UInt8](repeating: 0xf7, count: 8)
    }

    /// Signs with the 64-byte secret of the key pair whose public half the *previous* world names.
    public func signed(secretKey: [UInt8]) throws(CryptoError) -> World {
        var copy = self
        copy.signature = try C25519.sign(secret: secretKey, message: signedBytes)
        return copy
    }

    /// Whether `signingKey` (a world's `updatesMustBeSignedBy`) signed this world.
    public func verify(signingKey: [UInt8]) -> Bool {
        C25519.verify(publicKey: signingKey, message: signedBytes, signature: signature)
    }

    /// Whether `update` may replace this world.
    public func shouldBeReplaced(by update: World) -> Bool {
        update.kind == kind && update.id == id && update.timestamp > timestamp
            && update.verify(signingKey: updatesMustBeSignedBy)
    }
}
