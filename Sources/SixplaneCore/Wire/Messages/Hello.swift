/// HELLO (0x01): who I am, what I run, and where I think you are.
///
/// `proto(1) major(1) minor(1) revision(2) timestamp(8) identity(71) [destination address] [planet id(8)
/// planet timestamp(8)] [moon count(2) moons…]`. Everything after the planet timestamp is hidden with `cryptField`
/// before armoring; `tailOffset` tells where that part starts so the packet layer can apply it. Trailing fields are
/// optional for receivers (older senders omit them).
public struct Hello: Equatable, Sendable {
    public var protocolVersion: UInt8
    public var major: UInt8
    public var minor: UInt8
    public var revision: UInt16
    public var timestamp: UInt64
    public var identity: Identity
    /// The physical address the HELLO was sent to (`.none` when sent through a relay).
    public var destination: InetAddress?
    public var planetID: UInt64?
    public var planetTimestamp: UInt64?
    /// Current and wanted (timestamp 0) moons, only readable after `cryptField`.
    public var moons: [WorldReference]

    public init(
        protocolVersion: UInt8 = Packet.protocolVersion, major: UInt8 = 1, minor: UInt8 = 14, revision: UInt16 = 1,
        timestamp: UInt64, identity: Identity, destination: InetAddress?, planetID: UInt64?, planetTimestamp: UInt64?,
        moons: [WorldReference] = []
    ) {
        self.protocolVersion = protocolVersion
        self.major = major
        self.minor = minor
        self.revision = revision
        self.timestamp = timestamp
        self.identity = identity
        self.destination = destination
        self.planetID = planetID
        self.planetTimestamp = planetTimestamp
        self.moons = moons
    }

    /// Parses a payload (bytes after the verb). `decryptedTail` says whether the moon list is readable; if not, it
    /// is skipped.
    public init(payload: [UInt8], decryptedTail: Bool = true) throws(WireError) {
        var r = ByteReader(payload, context: "HELLO")
        protocolVersion = try r.readUInt8("protocol version")
        major = try r.readUInt8("major version")
        minor = try r.readUInt8("minor version")
        revision = try r.readUInt16("revision")
        timestamp = try r.readUInt64("timestamp")
        identity = try Identity(reading: &r)
        guard identity.secretKey == nil else { throw WireError(.malformed, "HELLO: identity carries a secret key") }
        destination = r.isAtEnd ? nil : try InetAddress(reading: &r)
        if r.remaining >= 16 {
            planetID = try r.readUInt64("planet id")
            planetTimestamp = try r.readUInt64("planet timestamp")
        }
        moons = []
        if decryptedTail, r.remaining >= 2 {
            let count = try r.readUInt16("moon count")
            for _ in 0..<count { moons.append(try WorldReference(reading: &r)) }
        }
    }

    /// Offset (from the start of the packet) of the encrypted tail, if the payload has one.
    public static func tailOffset(payload: [UInt8]) -> Int? {
        var r = ByteReader(payload, context: "HELLO")
        guard (try? r.skip(13)) != nil, (try? Identity(reading: &r)) != nil, !r.isAtEnd,
            (try? InetAddress(reading: &r)) != nil, r.remaining > 16
        else { return nil }
        return Packet.payloadOffset + r.offset + 16
    }

    public func write(to out: inout [UInt8]) {
        out.append(protocolVersion)
        out.append(major)
        out.append(minor)
        out.appendUInt16(revision)
        out.appendUInt64(timestamp)
        out += identity.serialized()
        guard let destination else { return }
        destination.write(to: &out)
        guard let planetID, let planetTimestamp else { return }
        out.appendUInt64(planetID)
        out.appendUInt64(planetTimestamp)
        out.appendUInt16(UInt16(moons.count))
        for m in moons { m.write(to: &out) }
    }
}

/// A world named in HELLO: type (0x7f moon), id and timestamp (0 = "I want it").
public struct WorldReference: Equatable, Sendable {
    public var type: UInt8
    public var id: UInt64
    public var timestamp: UInt64

    public init(type: UInt8, id: UInt64, timestamp: UInt64) {
        self.type = type
        self.id = id
        self.timestamp = timestamp
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        type = try r.readUInt8("world type")
        id = try r.readUInt64("world id")
        timestamp = try r.readUInt64("world timestamp")
    }

    public func write(to out: inout [UInt8]) {
        out.append(type)
        out.appendUInt64(id)
        out.appendUInt64(timestamp)
    }
}

/// The payload of OK(HELLO), after `inReVerb` and `inReID`.
public struct HelloOK: Equatable, Sendable {
    public var timestamp: UInt64
    public var protocolVersion: UInt8
    public var major: UInt8
    public var minor: UInt8
    public var revision: UInt16
    /// Where the responder saw the HELLO come from.
    public var observedAddress: InetAddress?
    /// Serialized worlds (planet or moon updates), concatenated.
    public var worldUpdates: [UInt8]?

    public init(
        timestamp: UInt64, protocolVersion: UInt8 = Packet.protocolVersion, major: UInt8 = 1, minor: UInt8 = 14,
        revision: UInt16 = 1, observedAddress: InetAddress?, worldUpdates: [UInt8]? = []
    ) {
        self.timestamp = timestamp
        self.protocolVersion = protocolVersion
        self.major = major
        self.minor = minor
        self.revision = revision
        self.observedAddress = observedAddress
        self.worldUpdates = worldUpdates
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        timestamp = try r.readUInt64("timestamp")
        protocolVersion = try r.readUInt8("protocol version")
        major = try r.readUInt8("major version")
        minor = try r.readUInt8("minor version")
        revision = try r.readUInt16("revision")
        observedAddress = r.isAtEnd ? nil : try InetAddress(reading: &r)
        if r.remaining >= 2 {
            let length = try r.readUInt16("world updates length")
            worldUpdates = try r.readBytes(Int(length), "world updates")
        }
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(timestamp)
        out.append(protocolVersion)
        out.append(major)
        out.append(minor)
        out.appendUInt16(revision)
        guard let observedAddress else { return }
        observedAddress.write(to: &out)
        guard let worldUpdates else { return }
        out.appendUInt16(UInt16(worldUpdates.count))
        out += worldUpdates
    }
}
