/// A revocation: every credential of `credentialType` issued to `target` with a timestamp up to `threshold` is void.
/// `0(4) id(4) nwid(8) 0(4) credentialId(4) threshold(8) flags(8) target(5) signedBy(5) type(1) sigblock ext(2)`.
public struct Revocation: Equatable, Sendable {
    public static let flagFastPropagate: UInt64 = 0x01

    public var id: UInt32
    public var network: NetworkID
    public var credentialID: UInt32
    public var threshold: Int64
    public var flags: UInt64
    public var target: Address
    public var signedBy: Address
    /// 1 COM, 2 capability, 3 tag, 4 certificate of ownership.
    public var credentialType: UInt8
    public var signature: [UInt8]

    public init(
        id: UInt32, network: NetworkID, credentialID: UInt32 = 0, threshold: Int64, flags: UInt64 = 0,
        target: Address, credentialType: UInt8 = 1, signedBy: Address = Address(truncating: 0), signature: [UInt8] = []
    ) {
        self.id = id
        self.network = network
        self.credentialID = credentialID
        self.threshold = threshold
        self.flags = flags
        self.target = target
        self.signedBy = signedBy
        self.credentialType = credentialType
        self.signature = signature
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        try r.skip(4, "reserved")
        id = try r.readUInt32("revocation id")
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        try r.skip(4, "reserved")
        credentialID = try r.readUInt32("credential id")
        threshold = Int64(bitPattern: try r.readUInt64("threshold"))
        flags = try r.readUInt64("flags")
        target = Address(truncating: try r.readInteger(5, "target"))
        signedBy = Address(truncating: try r.readInteger(5, "signed by"))
        credentialType = try r.readUInt8("credential type")
        signature = try CredentialSignature.read(&r)
        try CredentialSignature.skipExtensions(&r)
    }

    private var body: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt32(0)
        out.appendUInt32(id)
        out.appendUInt64(network.rawValue)
        out.appendUInt32(0)
        out.appendUInt32(credentialID)
        out.appendUInt64(UInt64(bitPattern: threshold))
        out.appendUInt64(flags)
        out.appendInteger(target.rawValue, count: 5)
        out.appendInteger(signedBy.rawValue, count: 5)
        out.append(credentialType)
        return out
    }

    public func write(to out: inout [UInt8]) {
        out += body
        CredentialSignature.write(signature, to: &out)
        out.appendUInt16(0)
    }

    public var signedBytes: [UInt8] { CredentialSignature.framed(body) }

    public func signed(by controller: Identity) throws(CryptoError) -> Revocation {
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
