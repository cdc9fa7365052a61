import NIOCore
import SixplaneCore

#if canImport(Glibc)
import Glibc
#endif

/// Conversions between NIO's socket addresses and the core's, without going through text.
enum SocketAddresses {
    static func inet(_ a: SocketAddress) -> InetAddress? {
        switch a {
        case .v4(let v4):
            let addr = v4.address
            return .ipv4(IPv4Address(rawValue: UInt32(bigEndian: addr.sin_addr.s_addr)), port: UInt16(bigEndian: addr.sin_port))
        case .v6(let v6):
            let addr = v6.address
            var bytes = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: addr.sin6_addr) { raw in for i in 0..<16 { bytes[i] = raw[i] } }
            // IPv4 received on the dual-stack socket arrives mapped (::ffff:a.b.c.d).
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return .ipv4(IPv4Address(bytes[12], bytes[13], bytes[14], bytes[15]), port: UInt16(bigEndian: addr.sin6_port))
            }
            return .ipv6(IPv6Address(bytes: bytes), port: UInt16(bigEndian: addr.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }

    static func socket(_ a: InetAddress) -> SocketAddress? {
        switch a {
        case .ipv4(let ip, let port):
            var s = sockaddr_in()
            s.sin_family = sa_family_t(AF_INET)
            s.sin_port = port.bigEndian
            s.sin_addr.s_addr = ip.rawValue.bigEndian
            return SocketAddress(s, host: "")
        case .ipv6(let ip, let port):
            var s = sockaddr_in6()
            s.sin6_family = sa_family_t(AF_INET6)
            s.sin6_port = port.bigEndian
            let bytes = ip.bytes
            withUnsafeMutableBytes(of: &s.sin6_addr) { raw in for i in 0..<16 { raw[i] = bytes[i] } }
            return SocketAddress(s, host: "")
        case .none, .other:
            return nil
        }
    }
}
