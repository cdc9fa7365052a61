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
