/// FRAME (0x06): an Ethernet frame between members, MACs implied by the two addresses.
/// `nwid(8) etherType(2) frame…`.
public struct Frame: Equatable, Sendable {
    public var network: NetworkID
    public var etherType: UInt16
    public var data: [UInt8]

    public init(network: NetworkID, etherType: UInt16, data: [UInt8]) {
        self.network = network
        self.etherType = etherType
        self.data = data
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "FRAME")
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        etherType = try r.readUInt16("ethertype")
        data = r.readRest()
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(network.rawValue)
        out.appendUInt16(etherType)
        out += data
    }
}

/// EXT_FRAME (0x07): a frame with explicit MACs (bridging, rules actions).
/// `nwid(8) flags(1) [COM if 0x01] destMAC(6) srcMAC(6) etherType(2) frame…`; 0x10 asks for OK(EXT_FRAME).
public struct ExtFrame: Equatable, Sendable {
    public static let flagCOM: UInt8 = 0x01
    public static let flagAckRequested: UInt8 = 0x10

    public var network: NetworkID
    public var flags: UInt8
    public var com: CertificateOfMembership?
    public var destination: MAC
    public var source: MAC
    public var etherType: UInt16
    public var data: [UInt8]

    public init(
        network: NetworkID, flags: UInt8 = 0, com: CertificateOfMembership? = nil, destination: MAC, source: MAC,
        etherType: UInt16, data: [UInt8]
    ) {
        self.network = network
        // The presence bit follows the field, so that a decoded message equals the one that was built.
        self.flags = com == nil ? flags & ~Self.flagCOM : flags | Self.flagCOM
        self.com = com
        self.destination = destination
        self.source = source
        self.etherType = etherType
        self.data = data
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "EXT_FRAME")
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        flags = try r.readUInt8("flags")
        com = flags & Self.flagCOM != 0 ? try CertificateOfMembership(reading: &r) : nil
        destination = MAC(rawValue: try r.readInteger(6, "destination MAC"))
        source = MAC(rawValue: try r.readInteger(6, "source MAC"))
        etherType = try r.readUInt16("ethertype")
        data = r.readRest()
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(network.rawValue)
        out.append(com == nil ? flags & ~Self.flagCOM : flags | Self.flagCOM)
        com?.write(to: &out)
        out.appendInteger(destination.rawValue, count: 6)
        out.appendInteger(source.rawValue, count: 6)
        out.appendUInt16(etherType)
        out += data
    }
}

/// MULTICAST_FRAME (0x0e).
/// `nwid(8) flags(1) [COM if 0x01] [gatherLimit(4) if 0x02] [srcMAC(6) if 0x04] destMAC(6) ADI(4) etherType(2)
/// frame…`; 0x08 asks a multicast replicator to replicate.
public struct MulticastFrame: Equatable, Sendable {
    public static let flagCOM: UInt8 = 0x01
    public static let flagGatherLimit: UInt8 = 0x02
    public static let flagSourceMAC: UInt8 = 0x04
    public static let flagReplicate: UInt8 = 0x08

    public var network: NetworkID
    public var flags: UInt8
    public var com: CertificateOfMembership?
    public var gatherLimit: UInt32?
    public var source: MAC?
    public var group: MulticastGroup
    public var etherType: UInt16
    public var data: [UInt8]

    public init(
        network: NetworkID, flags: UInt8 = 0, com: CertificateOfMembership? = nil, gatherLimit: UInt32? = nil,
        source: MAC? = nil, group: MulticastGroup, etherType: UInt16, data: [UInt8]
    ) {
        self.network = network
        var f = flags & ~(Self.flagCOM | Self.flagGatherLimit | Self.flagSourceMAC)
        if com != nil { f |= Self.flagCOM }
        if gatherLimit != nil { f |= Self.flagGatherLimit }
        if source != nil { f |= Self.flagSourceMAC }
        self.flags = f
        self.com = com
        self.gatherLimit = gatherLimit
        self.source = source
        self.group = group
        self.etherType = etherType
        self.data = data
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "MULTICAST_FRAME")
        network = NetworkID(rawValue: try r.readUInt64("network id"))
        flags = try r.readUInt8("flags")
        com = flags & Self.flagCOM != 0 ? try CertificateOfMembership(reading: &r) : nil
        gatherLimit = flags & Self.flagGatherLimit != 0 ? try r.readUInt32("gather limit") : nil
        source = flags & Self.flagSourceMAC != 0 ? MAC(rawValue: try r.readInteger(6, "source MAC")) : nil
        group = try MulticastGroup(reading: &r)
        etherType = try r.readUInt16("ethertype")
        data = r.readRest()
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(network.rawValue)
        var f = flags & ~(Self.flagCOM | Self.flagGatherLimit | Self.flagSourceMAC)
        if com != nil { f |= Self.flagCOM }
        if gatherLimit != nil { f |= Self.flagGatherLimit }
        if source != nil { f |= Self.flagSourceMAC }
        out.append(f)
        com?.write(to: &out)
        if let gatherLimit { out.appendUInt32(gatherLimit) }
        if let source { out.appendInteger(source.rawValue, count: 6) }
        group.write(to: &out)
        out.appendUInt16(etherType)
        out += data
    }
}
