import SixplaneCore

/// Every path the daemon's local API answers: the node's (ZeroTier One's service API), the controller's, and the
/// web UI's assets. The server routes on it, the CLI builds its requests from it, and the web UI gets the same
/// table as templates (`/app/routes.json`), so a path is spelled in one place.
public enum APIRoute: Hashable, Sendable {
    case ui
    case asset(String)
    case health, status, dns, metrics
    case networks
    case network(NetworkID)
    case peers
    case peer(Address)
    case moons
    case moon(UInt64)
    case controller
    case controllerNetworks
    case controllerNetwork(NetworkID)
    /// `<controller address>______`: a new network with an id the controller picks.
    case newControllerNetwork(Address)
    case controllerMembers(NetworkID)
    case controllerMember(NetworkID, Address)
    /// ZeroTier's lists with counts (`/unstable/…`); the member list also pages (see ControllerAPI+MemberPage).
    case unstableControllerNetworks
    case unstableControllerMembers(NetworkID)

    /// The route's name in the table.
    public enum Kind: String, CaseIterable, Sendable {
        case ui, asset, health, status, dns, metrics, networks, network, peers, peer, moons, moon
        case controller, controllerNetworks, newControllerNetwork, controllerNetwork, controllerMembers, controllerMember
        case unstableControllerNetworks, unstableControllerMembers

        /// The path with its parameters in braces: `{nwid}` 16 hex digits, `{address}` 10, `{world}` 1–16, `{asset}`
        /// a file name; `{controller}______` is an address followed by six underscores.
        public var template: String {
            switch self {
            case .ui: "/"
            case .asset: "/app/{asset}"
            case .health: "/health"
            case .status: "/status"
            case .dns: "/dns"
            case .metrics: "/metrics"
            case .networks: "/network"
            case .network: "/network/{nwid}"
            case .peers: "/peer"
            case .peer: "/peer/{address}"
            case .moons: "/moon"
            case .moon: "/moon/{world}"
            case .controller: "/controller"
            case .controllerNetworks: "/controller/network"
            case .newControllerNetwork: "/controller/network/{controller}______"
            case .controllerNetwork: "/controller/network/{nwid}"
            case .controllerMembers: "/controller/network/{nwid}/member"
            case .controllerMember: "/controller/network/{nwid}/member/{address}"
            case .unstableControllerNetworks: "/unstable/controller/network"
            case .unstableControllerMembers: "/unstable/controller/network/{nwid}/member"
            }
        }

        var segments: [Substring] { template.split(separator: "/") }
    }

    public var kind: Kind {
        switch self {
        case .ui: .ui
        case .asset: .asset
        case .health: .health
        case .status: .status
        case .dns: .dns
        case .metrics: .metrics
        case .networks: .networks
        case .network: .network
        case .peers: .peers
        case .peer: .peer
        case .moons: .moons
        case .moon: .moon
        case .controller: .controller
        case .controllerNetworks: .controllerNetworks
        case .newControllerNetwork: .newControllerNetwork
        case .controllerNetwork: .controllerNetwork
        case .controllerMembers: .controllerMembers
        case .controllerMember: .controllerMember
        case .unstableControllerNetworks: .unstableControllerNetworks
        case .unstableControllerMembers: .unstableControllerMembers
        }
    }

    /// The values that fill the template's braces.
    var parameters: Parameters {
        var p = Parameters()
        switch self {
        case .asset(let name): p.asset = name
        case .network(let id), .controllerNetwork(let id), .controllerMembers(let id), .unstableControllerMembers(let id): p.nwid = id
        case .peer(let a): p.address = a
        case .moon(let id): p.world = id
        case .newControllerNetwork(let a): p.controller = a
        case .controllerMember(let id, let a):
            p.nwid = id
            p.address = a
        default: break
        }
        return p
    }

    /// The path, parameters filled in.
    public var path: String {
        let p = parameters
        var text = kind.template
        if let v = p.nwid { text = text.replacingAll("{nwid}", with: v.description) }
        if let v = p.address { text = text.replacingAll("{address}", with: v.description) }
        if let v = p.controller { text = text.replacingAll("{controller}", with: v.description) }
        if let v = p.world { text = text.replacingAll("{world}", with: Hex.encode(v, digits: 16)) }
        if let v = p.asset { text = text.replacingAll("{asset}", with: v) }
        return text
    }

    /// The table as the web UI reads it: name → template.
    public static var templates: [(name: String, template: String)] { Kind.allCases.map { ($0.rawValue, $0.template) } }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        var out = "", rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Index>? {
        guard !target.isEmpty, count >= target.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
