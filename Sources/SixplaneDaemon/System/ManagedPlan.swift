import SixplaneCore

/// Which of a config's addresses and routes the host applies, by ZeroTier's rules (protocol-network.md §9.4):
/// nothing unless `allowManaged`; within the whitelist if there is one; never link-local, multicast or loopback;
/// global scope only with `allowGlobal`; default routes only with `allowDefault` (as two half routes).
public struct ManagedPlan: Equatable, Sendable {
    public struct Route: Equatable, Hashable, Sendable, CustomStringConvertible {
        public var target: IPPrefix
        public var via: IPAddress?
        public var description: String { via.map { "\(target) via \($0)" } ?? "\(target)" }
    }

    public var addresses: [IPPrefix] = []
    public var routes: [Route] = []

    public init(addresses: [IPPrefix] = [], routes: [Route] = []) {
        self.addresses = addresses
        self.routes = routes
    }

    public init(config: NetworkConfig, settings: LocalNetworkSettings) {
        guard settings.allowManaged else { return }
        for ip in config.staticIPs where Self.allowed(ip, settings) && !addresses.contains(ip) { addresses.append(ip) }
        let own = Set(addresses.map(\.address))
        let connected = Set(addresses.map(\.network))
        for r in config.routes {
            if let via = r.via, own.contains(via) { continue }
            guard addresses.contains(where: { $0.address.bitWidth == r.target.address.bitWidth }) else { continue }
            guard !connected.contains(r.target.network) else { continue }
            guard Self.allowed(r.target, settings) else { continue }
            if r.target.length == 0 {
                // Two halves: more specific than the host's own default route, so it stays in place.
                let halves: [IPPrefix] =
                    r.target.address.bitWidth == 32
                    ? [try! IPPrefix(parsing: "0.0.0.0/1"), try! IPPrefix(parsing: "128.0.0.0/1")]
                    : [try! IPPrefix(parsing: "::/1"), try! IPPrefix(parsing: "8000::/1")]
                for h in halves { routes.append(Route(target: h, via: r.via)) }
            } else {
                routes.append(Route(target: r.target.network, via: r.via))
            }
        }
    }

    static func allowed(_ p: IPPrefix, _ settings: LocalNetworkSettings) -> Bool {
        if !settings.managedWhitelist.isEmpty {
            guard settings.managedWhitelist.contains(where: { $0.contains(p.address) && $0.length <= p.length }) else { return false }
        }
        if p.length == 0 { return settings.allowDefault }
        switch Scope(p.address) {
        case .never: return false
        case .global: return settings.allowGlobal
        case .private: return true
        }
    }

    enum Scope {
        case never, `private`, global

        init(_ ip: IPAddress) {
            switch ip {
            case .v4(let a):
                let v = a.rawValue
                if v >> 24 == 127 || v >> 28 == 0xe || v >> 16 == 0xa9fe || v == 0 || v >> 28 == 0xf {
                    self = .never
                } else if v >> 24 == 10 || v >> 20 == 0xac1 || v >> 16 == 0xc0a8 || v >> 22 == (100 << 2 | 1) {
                    self = .private
                } else {
                    self = .global
                }
            case .v6(let a):
                let top = a.high >> 48
                if (a.high == 0 && a.low <= 1) || top >> 8 == 0xff || top & 0xffc0 == 0xfe80 {
                    self = .never
                } else if top >> 9 == 0x7e {
                    self = .private
                } else {
                    self = .global
                }
            }
        }
    }
}
