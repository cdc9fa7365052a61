/// A capability: a controller-signed list of rules a member may apply beyond the network's base rules.
/// `nwid(8) ts(8) id(4) ruleCount(2) rules maxCustody(1) {to(5) from(5) sigblock}… to=00000 ext(2)`.
public struct Capability: Equatable, Sendable {
    public struct Custody: Equatable, Sendable {
        public var to: Address
        public var from: Address
        public var signature: [UInt8]

        public init(to: Address, from: Address, signature: [UInt8]) {
            self.to = to
            self.from = from
            self.signature = signature
        }
    }

    public static let maxRules = 64
    public static let maxCustodyChain = 7

    public var network: NetworkID
    public var timestamp: Int64
    public var id: UInt32
    public var rules: [Rule]
    public var maxCustodyChainLength: UInt8
    public var custody: [Custody]

    public init(network: NetworkID, timestamp: Int64, id: UInt32, rules: [Rule], maxCustodyChainLength: UInt8 = 1, custody: [Custody] = []) {
        self.network = network
        self.timestamp = timestamp
        self.id = id
        self.rules = rules
        self.maxCustodyChainLength = maxCustodyChainLength
        self.custody = custody
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        timestamp = Int64(bitPattern: try r.readUInt64("timestamp"))
        id = try r.readUInt32("capability id")
        let count = try r.readUInt16("rule count")
        guard count <= Self.maxRules else {
            throw WireError(.oversize, "\(r.context): capability with \(count) rules, at most \(Self.maxRules)")
        }
        rules = []
        for _ in 0..<count { rules.append(try Rule(reading: &r)) }
        maxCustodyChainLength = try r.readUInt8("max custody chain length")
        guard maxCustodyChainLength >= 1, Int(maxCustodyChainLength) <= Self.maxCustodyChain else {
            throw WireError(.malformed, "\(r.context): custody chain length \(maxCustodyChainLength), must be 1...7")
        }
        custody = []
        while true {
            let to = Address(truncating: try r.readInteger(5, "custody to"))
            if to.rawValue == 0 { break }
            guard custody.count < Int(maxCustodyChainLength) else {
                throw WireError(.oversize, "\(r.context): custody chain longer than \(maxCustodyChainLength)")
            }
            let from = Address(truncating: try r.readInteger(5, "custody from"))
            custody.append(Custody(to: to, from: from, signature: try CredentialSignature.read(&r)))
        }
        try CredentialSignature.skipExtensions(&r)
    }

    private var body: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt64(network.rawValue)
        out.appendUInt64(UInt64(bitPattern: timestamp))
        out.appendUInt32(id)
        out.appendUInt16(UInt16(rules.count))
        for rule in rules { rule.write(to: &out) }
        out.append(maxCustodyChainLength)
        return out
    }

    public func write(to out: inout [UInt8]) {
        out += body
        for link in custody {
            out.appendInteger(link.to.rawValue, count: 5)
            out.appendInteger(link.from.rawValue, count: 5)
            CredentialSignature.write(link.signature, to: &out)
        }
        out.appendInteger(0, count: 5)
        out.appendUInt16(0)
    }

    /// Every custody link signs the same thing: the framed body without the chain.
    public var signedBytes: [UInt8] { CredentialSignature.framed(body) }

    /// Adds the controller's link handing the capability to `member`.
    public func issued(to member: Address, by controller: Identity) throws(CryptoError) -> Capability {
        var copy = self
        copy.custody.append(Custody(to: member, from: controller.address, signature: try controller.sign(signedBytes)))
        return copy
    }

    /// The first link is from the controller and every signature verifies (only one link is ever issued).
    public func verify(controller: Identity) -> Bool {
        guard let first = custody.first, first.from == network.controller, controller.address == first.from else {
            return false
        }
        return custody.count == 1 && controller.verify(signedBytes, signature: first.signature)
    }
}
