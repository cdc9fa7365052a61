/// The common start of OK (0x03) and ERROR (0x02): which packet this answers.
public struct InReplyTo: Equatable, Sendable {
    /// The verb of the packet answered (kept raw: OK(NETWORK_CONFIG) says ECHO, and unknown verbs must pass).
    public var verb: UInt8
    /// The answered packet's id, exactly as it was on the wire.
    public var packetID: UInt64

    public init(verb: UInt8, packetID: UInt64) {
        self.verb = verb
        self.packetID = packetID
    }

    public init(verb: Verb, packetID: UInt64) { self.init(verb: verb.rawValue, packetID: packetID) }

    public init(reading r: inout ByteReader) throws(WireError) {
        verb = try r.readUInt8("in-re verb")
        packetID = try r.readUInt64("in-re packet id")
    }

    public func write(to out: inout [UInt8]) {
        out.append(verb)
        out.appendUInt64(packetID)
    }
}

/// ERROR codes.
public enum ErrorCode: UInt8, Sendable, CaseIterable {
    case none = 0x00
    case invalidRequest = 0x01
    case badProtocolVersion = 0x02
    case objectNotFound = 0x03
    case identityCollision = 0x04
    case unsupportedOperation = 0x05
    case needMembershipCertificate = 0x06
    case networkAccessDenied = 0x07
    case unwantedMulticast = 0x08
    case networkAuthenticationRequired = 0x09
}

/// ERROR (0x02): `inReVerb inReID code` and code-specific bytes (most start with a network id).
public struct ErrorMessage: Equatable, Sendable {
    public var inReplyTo: InReplyTo
    public var code: UInt8
    public var detail: [UInt8]

    public init(inReplyTo: InReplyTo, code: ErrorCode, detail: [UInt8] = []) {
        self.inReplyTo = inReplyTo
        self.code = code.rawValue
        self.detail = detail
    }

    public init(inReplyTo: InReplyTo, code: ErrorCode, network: NetworkID) {
        self.init(inReplyTo: inReplyTo, code: code, detail: network.bytes)
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "ERROR")
        inReplyTo = try InReplyTo(reading: &r)
        code = try r.readUInt8("error code")
        detail = r.readRest()
    }

    public var errorCode: ErrorCode? { ErrorCode(rawValue: code) }

    /// The network id most codes carry first.
    public var network: NetworkID? {
        guard detail.count >= 8 else { return nil }
        var r = ByteReader(detail)
        return (try? r.readUInt64()).map(NetworkID.init(rawValue:))
    }

    public func write(to out: inout [UInt8]) {
        inReplyTo.write(to: &out)
        out.append(code)
        out += detail
    }
}

/// WHOIS (0x04): the addresses whose identities are wanted.
public struct Whois: Equatable, Sendable {
    public var addresses: [Address]

    public init(addresses: [Address]) { self.addresses = addresses }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "WHOIS")
        guard r.remaining >= 5 else { throw WireError(.truncated, "WHOIS: no address") }
        addresses = []
        while r.remaining >= 5 { addresses.append(Address(truncating: try r.readInteger(5, "address"))) }
    }

    public func write(to out: inout [UInt8]) {
        for a in addresses { out.appendInteger(a.rawValue, count: 5) }
    }
}

/// OK(WHOIS): identities, public form.
public struct WhoisOK: Equatable, Sendable {
    public var identities: [Identity]

    public init(identities: [Identity]) { self.identities = identities }

    public init(reading r: inout ByteReader) throws(WireError) {
        identities = []
        while !r.isAtEnd { identities.append(try Identity(reading: &r)) }
        guard !identities.isEmpty else { throw WireError(.truncated, "OK(WHOIS): no identity") }
    }

    public func write(to out: inout [UInt8]) {
        for id in identities { out += id.serialized() }
    }
}

/// RENDEZVOUS (0x05): "contact this peer at this address". `flags(1) address(5) port(2) ipLength(1) ip`.
public struct Rendezvous: Equatable, Sendable {
    public var flags: UInt8
    public var peer: Address
    public var endpoint: InetAddress

    public init(flags: UInt8 = 0, peer: Address, endpoint: InetAddress) {
        self.flags = flags
        self.peer = peer
        self.endpoint = endpoint
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "RENDEZVOUS")
        flags = try r.readUInt8("flags")
        peer = Address(truncating: try r.readInteger(5, "address"))
        let port = try r.readUInt16("port")
        let length = try r.readUInt8("ip length")
        switch length {
        case 4: endpoint = .ipv4(IPv4Address(bytes: try r.readBytes(4, "ip")), port: port)
        case 16: endpoint = .ipv6(IPv6Address(bytes: try r.readBytes(16, "ip")), port: port)
        default: throw WireError(.malformed, "RENDEZVOUS: ip length \(length), must be 4 or 16")
        }
    }

    public func write(to out: inout [UInt8]) {
        out.append(flags)
        out.appendInteger(peer.rawValue, count: 5)
        out.appendUInt16(endpoint.port)
        switch endpoint {
        case .ipv4(let a, _):
            out.append(4)
            out += a.bytes
        case .ipv6(let a, _):
            out.append(16)
            out += a.bytes
        default: out.append(0)
        }
    }
}
