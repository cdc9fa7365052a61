/// A tag: a controller-signed (id, value) pair attached to a member, matched by rules.
/// `nwid(8) ts(8) id(4) value(4) issuedTo(5) signedBy(5) sigblock ext(2)`.
public struct Tag: Equatable, Sendable {
    public var network: NetworkID
    public var timestamp: Int64
    public var id: UInt32
    public var value: UInt32
    public var issuedTo: Address
    public var signedBy: Address
    public var signature: [UInt8]

    public init(
        network: NetworkID, timestamp: Int64, id: UInt32, value: UInt32, issuedTo: Address,
        signedBy: Address = Address(truncating: 0), signature: [UInt8] = []
    ) {
        self.network = network
        self.timestamp = timestamp
        self.id = id
        self.value = value
        self.issuedTo = issuedTo
        self.signedBy = signedBy
        self.signature = signature
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        timestamp = Int64(bitPattern: try r.readUInt64("timestamp"))
        id = try r.readUInt32("tag id")
        value = try r.readUInt32("tag value")
        issuedTo = Address(truncating: try r.readInteger(5, "issued to"))
        signedBy = Address(truncating: try r.readInteger(5, "signed by"))
        signature = try CredentialSignature.read(&r)
        try CredentialSignature.skipExtensions(&r)
    }

    private var body: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt64(network.rawValue)
        out.appendUInt64(UInt64(bitPattern: timestamp))
        out.appendUInt32(id)
        out.appendUInt32(value)
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

    public func signed(by controller: Identity) throws(CryptoError) -> Tag {
        var copy = self
        copy.signedBy = controller.address
        copy.signature = try controller.sign(copy.signedBytes)
        return copy
    }

    public func verify(controller: Identity) -> Bool {
        signedBy == network.controller && controller.address == signedBy
            && controller.verify(signedBytes, signature: signature)
    }
}
