/// NETWORK_CONFIG_REQUEST (0x0b): `nwid(8) metaLength(2) metadata(dictionary) [revision(8) timestamp(8)]`.
public struct NetworkConfigRequest: Equatable, Sendable {
    public var network: NetworkID
    public var metadata: ConfigDictionary
    /// Revision and timestamp of the config the requester has (0 if none); absent from old requesters.
    public var haveRevision: UInt64?
    public var haveTimestamp: UInt64?

    public init(network: NetworkID, metadata: ConfigDictionary, haveRevision: UInt64? = 0, haveTimestamp: UInt64? = 0) {
        self.network = network
        self.metadata = metadata
        self.haveRevision = haveRevision
        self.haveTimestamp = haveTimestamp
    }

    /// The metadata a 1.14.1 node sends.
    public static func standardMetadata(os: String = "linux/x86_64") -> ConfigDictionary {
        var d = ConfigDictionary()
        for (k, v): (String, UInt64) in [
            ("v", 7), ("vend", 1), ("pv", UInt64(Packet.protocolVersion)), ("majv", 1), ("minv", 14), ("revv", 1),
            ("mr", 1024), ("mc", 128), ("mcr", 64), ("mt", 128), ("f", 0), ("revr", 1),
        ] { d.append(k, integer: v) }
        d.append("o", string: os)
        return d
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "NETWORK_CONFIG_REQUEST")
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        let length = try r.readUInt16("metadata length")
        metadata = try ConfigDictionary(parsing: try r.readBytes(Int(length), "metadata"))
        if r.remaining >= 16 {
            haveRevision = try r.readUInt64("revision")
            haveTimestamp = try r.readUInt64("timestamp")
        }
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(network.rawValue)
        let meta = metadata.encoded
        out.appendUInt16(UInt16(meta.count))
        out += meta
        if let haveRevision, let haveTimestamp {
            out.appendUInt64(haveRevision)
            out.appendUInt64(haveTimestamp)
        }
    }
}

/// One signed piece of a network config: the payload of OK(NETWORK_CONFIG_REQUEST) and of NETWORK_CONFIG (0x0c).
///
/// `nwid(8) length(2) bytes flags(1) updateID(8) totalLength(4) offset(4) sigType(1)=1 sigLength(2)=96 sig(96)`.
/// The controller signs everything from `nwid` through `offset`. The legacy form stops after `bytes`.
public struct NetworkConfigChunk: Equatable, Sendable {
    public static let flagFastPropagate: UInt8 = 0x01
    /// Largest chunk a controller sends: 10024 − (28 + 256).
    public static let maxChunkLength = 9740

    public var network: NetworkID
    public var data: [UInt8]
    public var flags: UInt8
    public var updateID: UInt64
    public var totalLength: UInt32
    public var offset: UInt32
    public var signature: [UInt8]
    /// True for the legacy unsigned single-chunk form.
    public var isLegacy: Bool { signature.isEmpty }

    public init(
        network: NetworkID, data: [UInt8], flags: UInt8 = 0, updateID: UInt64, totalLength: UInt32, offset: UInt32,
        signature: [UInt8]
    ) {
        self.network = network
        self.data = data
        self.flags = flags
        self.updateID = updateID
        self.totalLength = totalLength
        self.offset = offset
        self.signature = signature
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        let length = try r.readUInt16("chunk length")
        data = try r.readBytes(Int(length), "chunk")
        if r.isAtEnd {
            flags = 0
            updateID = 0
            totalLength = UInt32(length)
            offset = 0
            signature = []
            return
        }
        flags = try r.readUInt8("flags")
        updateID = try r.readUInt64("update id")
        totalLength = try r.readUInt32("total length")
        offset = try r.readUInt32("chunk offset")
        let sigType = try r.readUInt8("signature type")
        let sigLength = try r.readUInt16("signature length")
        guard sigType == 1, sigLength == 96 else {
            throw WireError(.unknownType, "\(r.context): signature type \(sigType) length \(sigLength), expected 1 and 96")
        }
        signature = try r.readBytes(96, "signature")
        guard UInt64(offset) + UInt64(data.count) <= UInt64(totalLength) else {
            throw WireError(.malformed, "\(r.context): chunk at \(offset) of \(data.count) bytes overruns total \(totalLength)")
        }
    }

    /// The bytes the controller signs.
    public var signedBytes: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt64(network.rawValue)
        out.appendUInt16(UInt16(data.count))
        out += data
        out.append(flags)
        out.appendUInt64(updateID)
        out.appendUInt32(totalLength)
        out.appendUInt32(offset)
        return out
    }

    public func write(to out: inout [UInt8]) {
        if isLegacy {
            out.appendUInt64(network.rawValue)
            out.appendUInt16(UInt16(data.count))
            out += data
            return
        }
        out += signedBytes
        out.append(1)
        out.appendUInt16(96)
        out += signature
    }

    /// Whether `signer` (the controller) signed this chunk.
    public func verify(signer: Identity) -> Bool {
        !isLegacy && signer.verify(signedBytes, signature: signature)
    }

    /// Cuts a config dictionary into signed chunks.
    public static func chunks(
        of dictionary: [UInt8], network: NetworkID, updateID: UInt64, signer: Identity,
        maxChunk: Int = maxChunkLength
    ) throws(CryptoError) -> [NetworkConfigChunk] {
        var result: [NetworkConfigChunk] = []
        var offset = 0
        repeat {
            let end = min(dictionary.count, offset + maxChunk)
            var chunk = NetworkConfigChunk(
                network: network, data: Array(dictionary[offset..<end]), updateID: updateID,
                totalLength: UInt32(dictionary.count), offset: UInt32(offset), signature: [])
            chunk.signature = try signer.sign(chunk.signedBytes)
            result.append(chunk)
            offset = end
        } while offset < dictionary.count
        return result
    }
}

/// NETWORK_CREDENTIALS (0x0a): `COM… 00 capCount(2) caps tagCount(2) tags revCount(2) revs cooCount(2) coos`, later
/// sections optional.
public struct NetworkCredentials: Equatable, Sendable {
    public var coms: [CertificateOfMembership]
    public var capabilities: [Capability]
    public var tags: [Tag]
    public var revocations: [Revocation]
    public var ownerships: [CertificateOfOwnership]

    public init(
        coms: [CertificateOfMembership] = [], capabilities: [Capability] = [], tags: [Tag] = [],
        revocations: [Revocation] = [], ownerships: [CertificateOfOwnership] = []
    ) {
        self.coms = coms
        self.capabilities = capabilities
        self.tags = tags
        self.revocations = revocations
        self.ownerships = ownerships
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "NETWORK_CREDENTIALS")
        coms = []
        capabilities = []
        tags = []
        revocations = []
        ownerships = []
        while !r.isAtEnd, r.bytes[r.offset] != 0 {
            coms.append(try CertificateOfMembership(reading: &r))
            guard coms.count <= 64 else { throw WireError(.oversize, "NETWORK_CREDENTIALS: too many COMs") }
        }
        guard !r.isAtEnd else { return }
        _ = try r.readUInt8("end of COMs")
        guard !r.isAtEnd else { return }
        for _ in 0..<(try r.readUInt16("capability count")) { capabilities.append(try Capability(reading: &r)) }
        guard !r.isAtEnd else { return }
        for _ in 0..<(try r.readUInt16("tag count")) { tags.append(try Tag(reading: &r)) }
        guard !r.isAtEnd else { return }
        for _ in 0..<(try r.readUInt16("revocation count")) { revocations.append(try Revocation(reading: &r)) }
        guard !r.isAtEnd else { return }
        for _ in 0..<(try r.readUInt16("ownership count")) { ownerships.append(try CertificateOfOwnership(reading: &r)) }
    }

    public func write(to out: inout [UInt8]) {
        for c in coms { c.write(to: &out) }
        out.append(0)
        out.appendUInt16(UInt16(capabilities.count))
        for c in capabilities { c.write(to: &out) }
        out.appendUInt16(UInt16(tags.count))
        for t in tags { t.write(to: &out) }
        out.appendUInt16(UInt16(revocations.count))
        for v in revocations { v.write(to: &out) }
        out.appendUInt16(UInt16(ownerships.count))
        for o in ownerships { o.write(to: &out) }
    }
}
