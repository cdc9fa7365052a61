/// A physical (underlay) address as ZeroTier serializes it: type, IP, port.
///
/// `00` none; `04` IPv4(4) port(2); `06` IPv6(16) port(2); types 1 and 2 (Ethernet, Bluetooth) are skipped as 6
/// more bytes and 3 ("other") as a u16 length and that many bytes. In network configs the port holds a prefix
/// length instead.
public enum InetAddress: Hashable, Sendable, CustomStringConvertible {
    case none
    case ipv4(IPv4Address, port: UInt16)
    case ipv6(IPv6Address, port: UInt16)
    /// A type this implementation does not use, kept verbatim (type byte and what followed it).
    case other(type: UInt8, bytes: [UInt8])

    /// `<ip>/<port>`, as `description` writes it (port 1…65535).
    public init<S: StringProtocol>(parsing text: S) throws(WireError) {
        guard let slash = text.lastIndex(of: "/"), let port = UInt16(text[text.index(after: slash)...]), port != 0 else {
            throw WireError(.malformed, "'\(text)' is not <ip>/<port>")
        }
        self.init(try IPAddress(parsing: text[..<slash]), port: port)
    }

    public init(_ ip: IPAddress, port: UInt16) {
        switch ip {
        case .v4(let a): self = .ipv4(a, port: port)
        case .v6(let a): self = .ipv6(a, port: port)
        }
    }

    public init(reading reader: inout ByteReader) throws(WireError) {
        let type = try reader.readUInt8("address type")
        switch type {
        case 0x00: self = .none
        case 0x04:
            let ip = IPv4Address(bytes: try reader.readBytes(4, "IPv4 address"))
            self = .ipv4(ip, port: try reader.readUInt16("port"))
        case 0x06:
            let ip = IPv6Address(bytes: try reader.readBytes(16, "IPv6 address"))
            self = .ipv6(ip, port: try reader.readUInt16("port"))
        case 0x01, 0x02:
            self = .other(type: type, bytes: try reader.readBytes(6, "link address"))
        case 0x03:
            let length = try reader.readUInt16("address length")
            self = .other(type: type, bytes: [UInt8(length >> 8), UInt8(length & 0xff)] + (try reader.readBytes(Int(length), "address")))
        default:
            throw WireError(.unknownType, "\(reader.context): unknown address type \(type)")
        }
    }

    public func write(to out: inout [UInt8]) {
        switch self {
        case .none: out.append(0)
        case .ipv4(let a, let port):
            out.append(0x04)
            out += a.bytes
            out.appendUInt16(port)
        case .ipv6(let a, let port):
            out.append(0x06)
            out += a.bytes
            out.appendUInt16(port)
        case .other(let type, let bytes):
            out.append(type)
            out += bytes
        }
    }

    public var ip: IPAddress? {
        switch self {
        case .ipv4(let a, _): .v4(a)
        case .ipv6(let a, _): .v6(a)
        default: nil
        }
    }

    public var port: UInt16 {
        switch self {
        case .ipv4(_, let p), .ipv6(_, let p): p
        default: 0
        }
    }

    /// `ip/port`, as ZeroTier prints paths (`10.77.0.1/9993`).
    public var description: String {
        switch self {
        case .none: "none"
        case .ipv4(let a, let p): "\(a)/\(p)"
        case .ipv6(let a, let p): "\(a)/\(p)"
        case .other(let t, _): "type-\(t)"
        }
    }
}
