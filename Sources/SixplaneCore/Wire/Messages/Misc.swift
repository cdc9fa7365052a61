/// PUSH_DIRECT_PATHS (0x10): addresses where the sender may be reached.
/// `count(2) {flags(1) extLength(2) ext addrType(1) addrLength(1) ip port(2)}…`.
public struct PushDirectPaths: Equatable, Sendable {
    public struct Path: Equatable, Sendable {
        public static let flagForget: UInt8 = 0x01
        public static let flagClusterRedirect: UInt8 = 0x02
        public var flags: UInt8
        public var extensions: [UInt8]
        public var address: InetAddress

        public init(flags: UInt8 = 0, extensions: [UInt8] = [], address: InetAddress) {
            self.flags = flags
            self.extensions = extensions
            self.address = address
        }
    }

    public var paths: [Path]

    public init(paths: [Path]) { self.paths = paths }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "PUSH_DIRECT_PATHS")
        let count = try r.readUInt16("count")
        paths = []
        for _ in 0..<count {
            let flags = try r.readUInt8("flags")
            let extLength = try r.readUInt16("extension length")
            let ext = try r.readBytes(Int(extLength), "extensions")
            let type = try r.readUInt8("address type")
            let length = try r.readUInt8("address length")
            let body = try r.readBytes(Int(length), "address")
            let address: InetAddress
            switch (type, length) {
            case (4, 6): address = .ipv4(IPv4Address(bytes: body), port: UInt16(body[4]) << 8 | UInt16(body[5]))
            case (6, 18): address = .ipv6(IPv6Address(bytes: body), port: UInt16(body[16]) << 8 | UInt16(body[17]))
            default: address = .other(type: type, bytes: [length] + body)
            }
            paths.append(Path(flags: flags, extensions: ext, address: address))
        }
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt16(UInt16(paths.count))
        for p in paths {
            out.append(p.flags)
            out.appendUInt16(UInt16(p.extensions.count))
            out += p.extensions
            switch p.address {
            case .ipv4(let a, let port):
                out += [4, 6] + a.bytes
                out.appendUInt16(port)
            case .ipv6(let a, let port):
                out += [6, 18] + a.bytes
                out.appendUInt16(port)
            case .other(let type, let bytes):
                out.append(type)
                out += bytes
            case .none:
                out += [0, 0]
            }
        }
    }
}

/// USER_MESSAGE (0x14): `typeID(8) data…`, for applications.
public struct UserMessage: Equatable, Sendable {
    public var typeID: UInt64
    public var data: [UInt8]

    public init(typeID: UInt64, data: [UInt8]) {
        self.typeID = typeID
        self.data = data
    }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "USER_MESSAGE")
        typeID = try r.readUInt64("type id")
        data = r.readRest()
    }

    public func write(to out: inout [UInt8]) {
        out.appendUInt64(typeID)
        out += data
    }
}

/// ACK (0x12), multipath only: bytes received, big-endian. 1.14.1 ignores it.
public struct Ack: Equatable, Sendable {
    public var bytesReceived: UInt32

    public init(bytesReceived: UInt32) { self.bytesReceived = bytesReceived }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "ACK")
        bytesReceived = try r.readUInt32("bytes received")
        try r.expectEnd()
    }

    public func write(to out: inout [UInt8]) { out.appendUInt32(bytesReceived) }
}

/// QOS_MEASUREMENT (0x13), multipath only: `{packetID(8) holdingTime(2)}…`. The reference copies these in host byte
/// order, so x86 senders write them little-endian; they are read that way here.
public struct QoSMeasurement: Equatable, Sendable {
    public struct Record: Equatable, Sendable {
        public var packetID: UInt64
        public var holdingTime: UInt16

        public init(packetID: UInt64, holdingTime: UInt16) {
            self.packetID = packetID
            self.holdingTime = holdingTime
        }
    }

    /// ZT_QOS_TABLE_SIZE.
    public static let maxRecords = 128
    public var records: [Record]

    public init(records: [Record]) { self.records = records }

    public init(payload: [UInt8]) throws(WireError) {
        guard payload.count % 10 == 0, payload.count / 10 <= Self.maxRecords else {
            throw WireError(.malformed, "QOS_MEASUREMENT: \(payload.count) bytes is not 1…128 ten-byte records")
        }
        records = stride(from: 0, to: payload.count, by: 10).map { i in
            let id = payload[i..<i + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Record(packetID: id, holdingTime: UInt16(payload[i + 8]) | UInt16(payload[i + 9]) << 8)
        }
    }

    public func write(to out: inout [UInt8]) {
        for r in records {
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: r.packetID >> (8 * UInt64(i)))) }
            out.append(UInt8(r.holdingTime & 0xff))
            out.append(UInt8(r.holdingTime >> 8))
        }
    }
}

/// PATH_NEGOTIATION_REQUEST (0x16), multipath only: the sender's path utility, a big-endian signed 16-bit number.
public struct PathNegotiationRequest: Equatable, Sendable {
    public var utility: Int16

    public init(utility: Int16) { self.utility = utility }

    public init(payload: [UInt8]) throws(WireError) {
        var r = ByteReader(payload, context: "PATH_NEGOTIATION_REQUEST")
        utility = Int16(bitPattern: try r.readUInt16("utility"))
        try r.expectEnd()
    }

    public func write(to out: inout [UInt8]) { out.appendUInt16(UInt16(bitPattern: utility)) }
}

/// REMOTE_TRACE (0x15): diagnostic dictionaries, each ended by a NUL.
public struct RemoteTrace: Equatable, Sendable {
    /// ZT_MAX_REMOTE_TRACE_SIZE.
    public static let maxTraceLength = 10000
    public var traces: [ConfigDictionary]

    public init(traces: [ConfigDictionary]) { self.traces = traces }

    public init(payload: [UInt8]) throws(WireError) {
        traces = []
        for piece in payload.split(separator: 0, omittingEmptySubsequences: true) {
            traces.append(try ConfigDictionary(parsing: Array(piece), maxLength: Self.maxTraceLength))
        }
    }

    public func write(to out: inout [UInt8]) {
        for t in traces {
            out += t.encoded
            out.append(0)
        }
    }
}
