/// One way to reach a peer: a local socket and a remote address, with when it was last used.
public struct Path: Equatable, Sendable {
    public let address: InetAddress
    public let localSocket: Int
    public var lastReceive: Int64
    public var lastSend: Int64 = 0
    /// Round-trip time in ms, once measured by an OK(HELLO) or OK(ECHO).
    public var latency: Int?
    /// When we last probed it with HELLO because a non-OK packet arrived on it.
    public var lastProbe: Int64 = 0

    public init(address: InetAddress, localSocket: Int, lastReceive: Int64) {
        self.address = address
        self.localSocket = localSocket
        self.lastReceive = lastReceive
    }

    /// Heard from recently enough to count as working.
    public func isAlive(_ now: Int64) -> Bool { now - lastReceive < Timers.pathAlive }
    /// Not heard from for so long that it is no longer chosen.
    public func isExpired(_ now: Int64) -> Bool { now - lastReceive >= Timers.pathExpiration }

    /// Whether an address may carry ZeroTier traffic at all: no loopback, link-local, multicast or unspecified
    /// addresses, and no Hurricane Electric tunnels (2001:470::/32), as in the reference.
    public static func isUsable(_ address: InetAddress) -> Bool {
        switch address {
        case .ipv4(let a, _):
            let top = a.rawValue >> 24
            if top == 127 || top == 0 || top >= 224 { return false }
            if a.rawValue >> 16 == 0xa9fe { return false }  // 169.254/16
            return true
        case .ipv6(let a, _):
            if a.high == 0 && (a.low == 1 || a.low == 0) { return false }
            if a.high >> 54 == 0x3fa { return false }  // fe80::/10
            if a.high >> 56 == 0xff { return false }
            if a.high >> 32 == 0x2001_0470 { return false }
            if a.high == 0 && a.low >> 32 == 0xffff && (a.low >> 24) & 0xff == 127 { return false }
            return true
        default:
            return false
        }
    }
}
