import NIOCore
import SixplaneCore

#if canImport(Glibc)
import Glibc
#endif

/// Conversions between the kernel's (and NIO's) socket addresses and the core's, without text or heap copies: they
/// run for every datagram.
public enum SocketAddresses {
    /// A received datagram's source. (The IPv6 socket is IPv6-only, so no IPv4-mapped addresses arrive on it.)
    static func inet(_ a: SocketAddress) -> InetAddress? {
        switch a {
        case .v4(let v4):
            let addr = v4.address
            return .ipv4(IPv4Address(rawValue: UInt32(bigEndian: addr.sin_addr.s_addr)), port: UInt16(bigEndian: addr.sin_port))
        case .v6(let v6):
            return .ipv6(ipv6(v6.address.sin6_addr), port: UInt16(bigEndian: v6.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }

    public static func ipv6(_ a: in6_addr) -> IPv6Address {
        withUnsafeBytes(of: a) {
            IPv6Address(high: UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)), low: UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// Calls `body` with the address as a sockaddr (nil for addresses that are not IP).
    public static func withSockaddr<R>(_ address: InetAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R? {
        switch address {
        case .ipv4(let ip, let port):
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            a.sin_addr.s_addr = ip.rawValue.bigEndian
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        case .ipv6(let ip, let port):
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &a.sin6_addr) {
                $0.storeBytes(of: ip.high.bigEndian, as: UInt64.self)
                $0.storeBytes(of: ip.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        case .none, .other:
            return nil
        }
    }
}
