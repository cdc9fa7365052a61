/// A certificate of ownership: the controller's statement that a member owns some MACs and IP addresses.
/// `nwid(8) ts(8) flags(8) id(4) count(2) {type(1) value(16)}… issuedTo(5) signedBy(5) sigblock ext(2)`.
public struct CertificateOfOwnership: Equatable, Sendable {
    public enum Thing: Equatable, Sendable {
        case mac(MAC)
        case ipv4(IPv4Address)
        case ipv6(IPv6Address)
        /// A thing type this implementation does not know, kept verbatim.
        case unknown(type: UInt8, value: [UInt8])
    }

    public static let maxThings = 16

    public var network: NetworkID
    public var timestamp: Int64
    public var flags: UInt64
    public var id: UInt32
    public var things: [Thing]
    public var issuedTo: Address
    public var signedBy: Address
    public var signature: [UInt8]

    public init(
        network: NetworkID, timestamp: Int64, flags: UInt64 = 0, id: UInt32, things: [Thing], issuedTo: Address,
        signedBy: Address = Address(truncating: 0), signature: [UInt8] = []
    ) {
        self.network = network
        self.timestamp = timestamp
        self.flags = flags
        self.id = id
        self.things = things
        self.issuedTo = issuedTo
        self.signedBy = signedBy
        self.signature = signature
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        timestamp = Int64(bitPattern: try r.readUInt64("timestamp"))
        flags = try r.readUInt64("flags")
        id = try r.readUInt32("id")
        let count = try r.readUInt16("thing count")
        guard count <= Self.maxThings else {
            throw WireError(.oversize, "\(r.context): certificate of ownership with \(count) things, at most 16")
        }
        things = []
        for _ in 0..<count {
            let type = try r.readUInt8("thing type")
            let value = try r.readBytes(16, "thing value")
            switch type {
            case 1: things.append(.mac(MAC(bytes: value)))
            case 2: things.append(.ipv4(IPv4Address(bytes: value)))
            case 3: things.append(.ipv6(IPv6Address(bytes: value)))
            default: things.append(.unknown(type: type, value: value))
            }
        }
        issuedTo = Address(truncating: try r.readInteger(5, "issued to"))
        signedBy = Address(truncating: try r.readInteger(5, "signed by"))
        signature = try CredentialSignature.read(&r)
        try CredentialSignature.skipExtensions(&r)
    }

    private var body: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt64(network.rawValue)
        out.appendUInt64(UInt64(bitPattern: timestamp))
        out.appendUInt64(flags)
        out.appendUInt32(id)
        out.appendUInt16(UInt16(things.count))
        for thing in things {
            var value: [UInt8]
            switch thing {
            case .mac(let m):
                out.append(1)
                value = m.bytes
            case .ipv4(let a):
                out.append(2)
                value = a.bytes
            case .ipv6(let a):
                out.append(3)
                value = a.bytes
            case .unknown(let type, let v):
                out.append(type)
                value = v
            }
            value += [UInt8](repeating: 0, count: 16 - value.count)
            out += value
        }
        out.appendInteger(issuedTo.rawValue, count: 5)
        out.appendInteger(signedBy.rawValue, count: 5)
        return out
    }

    public func write(to out: inout [UInt8]) {
        out += body
        CredentialSignature.write(signature, to: &out)
        out.appendUInt16(0)
    }

    public var signedBytes: [UInt8] { CredentialSignature.framed(body) }

    public func signed(by controller: Identity) throws(CryptoError) -> CertificateOfOwnership {
        var copy = self
        copy.signedBy = controller.address
        copy.signature = try controller.sign(copy.signedBytes)
        return copy
    }

    public func verify(controller: Identity) -> Bool {
        signedBy == network.controller && controller.address == signedBy
            && controller.verify(signedBytes, signature: signature)
    }

    public func owns(_ ip: IPAddress) -> Bool {
        things.contains { thing in
            switch (thing, ip) {
            case (.ipv4(let a), .v4(let b)): a == b
            case (.ipv6(let a), .v6(let b)): a == b
            default: false
            }
        }
    }
}
