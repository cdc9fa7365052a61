/// The reach of an IP address, as ZeroTier's `InetAddress::ipScope` classifies it: a peer's report of our address
/// is believed only if it is of the same scope as the address we heard the peer on.
public enum IPScope: Sendable, Equatable {
    case none
    case multicast
    case loopback
    /// Shared address space and other ranges handed out by carriers (100.64/10, 198.18/15, 240/4).
    case pseudoprivate
    case shared
    case linkLocal
    case `private`
    case global

    public init(_ ip: IPAddress) {
        switch ip {
        case .v4(let a):
            let v = a.rawValue
            switch v >> 24 {
            case 0: self = .none
            case 10: self = .private
            case 127: self = .loopback
            case 100 where (v >> 22) & 0x3 == 1: self = .shared  // 100.64.0.0/10
            case 169 where (v >> 16) & 0xff == 254: self = .linkLocal
            case 172 where (v >> 20) & 0xf == 1: self = .private  // 172.16.0.0/12
            case 192 where (v >> 16) & 0xff == 168: self = .private
            case 198 where (v >> 17) & 0x7f == 9: self = .pseudoprivate  // 198.18.0.0/15
            case 224...239: self = .multicast
            case 240...255: self = .pseudoprivate
            default: self = .global
            }
        case .v6(let a):
            if a.high == 0 && a.low == 0 {
                self = .none
            } else if a.high == 0 && a.low == 1 {
                self = .loopback
            } else if a.high >> 56 == 0xff {
                self = .multicast
            } else if a.high >> 54 == 0x3fa {
                self = .linkLocal
            } else if a.high >> 57 == 0x7e {
                self = .private  // fc00::/7
            } else if a.high == 0 && a.low >> 32 == 0xffff {
                self = IPScope(.v4(IPv4Address(rawValue: UInt32(truncatingIfNeeded: a.low))))
            } else {
                self = .global
            }
        }
    }

    public init(_ address: InetAddress) {
        guard let ip = address.ip else {
            self = .none
            return
        }
        self.init(ip)
    }
}
