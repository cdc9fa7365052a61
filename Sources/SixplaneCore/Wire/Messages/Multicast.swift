/// MULTICAST_LIKE (0x09): `{nwid(8) MAC(6) ADI(4)}…`, the groups a member wants.
public struct MulticastLike: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var network: NetworkID
        public var group: MulticastGroup
        public init(network: NetworkID, group: MulticastGroup) {
            self.network = network
            self.group = group
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "MULTICAST_LIKE")
        guard payload.count % 18 == 0 else {
            throw WireError(.malformed, "MULTICAST_LIKE: \(payload.count) bytes is not a whole number of 18-byte entries")
        }
        entries = []
        while !r.isAtEnd {
            let network = NetworkID(rawValue: try r.readUInt64("network id"))
            entries.append(Entry(network: network, group: try MulticastGroup(reading: &r)))
        }
    }

    public func write(to out: inout [UInt8]) {
        for e in entries {
            out.appendUInt64(e.network.rawValue)
            e.group.write(to: &out)
        }
    }
}

/// MULTICAST_GATHER (0x0d): "who is in this group?" `nwid(8) flags(1) MAC(6) ADI(4) gatherLimit(4) [COM if 0x01]`.
public struct MulticastGather: Equatable, Sendable {
    public var network: NetworkID
    public var flags: UInt8
    public var group: MulticastGroup
    public var gatherLimit: UInt32
    public var com: CertificateOfMembership?

    public init(network: NetworkID, group: MulticastGroup, gatherLimit: UInt32, com: CertificateOfMembership? = nil) {
        self.network = network
        self.flags = com == nil ? 0 : 1
        self.group = group
        self.gatherLimit = gatherLimit
        self.com = com
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "MULTICAST_GATHER")
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        flags = try r.readUInt8("flags")
        group = try MulticastGroup(reading: &r)
        gatherLimit = try r.readUInt32("gather limit")
        com = flags & 0x01 != 0 ? try CertificateOfMembership(reading: &r) : nil
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(network.rawValue)
        out.append(com == nil ? flags & ~1 : flags | 1)
        group.write(to: &out)
        out.appendUInt32(gatherLimit)
        com?.write(to: &out)
    }
}

/// Members of a group, as OK(MULTICAST_GATHER) and OK(MULTICAST_FRAME) carry them: `totalKnown(4) count(2) addr(5)…`.
public struct GatherResults: Equatable, Sendable {
    public var totalKnown: UInt32
    public var members: [Address]

    public init(totalKnown: UInt32, members: [Address]) {
        self.totalKnown = totalKnown
        self.members = members
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        totalKnown = try r.readUInt32("total known")
        let count = try r.readUInt16("count")
        members = []
        for _ in 0..<count { members.append(Address(truncating: try r.readInteger(5, "member"))) }
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt32(totalKnown)
        out.appendUInt16(UInt16(members.count))
        for m in members { out.appendInteger(m.rawValue, count: 5) }
    }
}

/// OK(MULTICAST_GATHER): `nwid(8) MAC(6) ADI(4) results`.
public struct MulticastGatherOK: Equatable, Sendable {
    public var network: NetworkID
    public var group: MulticastGroup
    public var results: GatherResults

    public init(network: NetworkID, group: MulticastGroup, results: GatherResults) {
        self.network = network
        self.group = group
        self.results = results
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        group = try MulticastGroup(reading: &r)
        results = try GatherResults(reading: &r)
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(network.rawValue)
        group.write(to: &out)
        results.write(to: &out)
    }
}

/// OK(MULTICAST_FRAME): `nwid(8) MAC(6) ADI(4) flags(1) [COM if 0x01] [results if 0x02]`.
public struct MulticastFrameOK: Equatable, Sendable {
    public var network: NetworkID
    public var group: MulticastGroup
    public var com: CertificateOfMembership?
    public var results: GatherResults?

    public init(network: NetworkID, group: MulticastGroup, com: CertificateOfMembership? = nil, results: GatherResults?) {
        self.network = network
        self.group = group
        self.com = com
        self.results = results
    }

    public init(reading r: inout ByteReader) throws(WireError) {
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        group = try MulticastGroup(reading: &r)
        let flags = try r.readUInt8("flags")
        com = flags & 0x01 != 0 ? try CertificateOfMembership(reading: &r) : nil
        results = flags & 0x02 != 0 ? try GatherResults(reading: &r) : nil
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(network.rawValue)
        group.write(to: &out)
        out.append((com == nil ? 0 : 0x01) | (results == nil ? 0 : 0x02))
        com?.write(to: &out)
        results?.write(to: &out)
    }
}
