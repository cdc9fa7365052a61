import SixplaneCore

/// Why a path is not a route: no template has its shape, or one does and a parameter is not what it takes.
public enum APIRouteError: Error, Equatable, Sendable {
    case notFound
    case badParameter(field: String, message: String)
}

extension APIRoute {
    struct Parameters {
        var nwid: NetworkID?
        var address: Address?
        var controller: Address?
        var world: UInt64?
        var asset: String?
    }

    /// Reads a request's path (no query); empty segments are ignored, as ZeroTier does.
    public init(path: String) throws(APIRouteError) {
        let parts = path.split(separator: "/")
        var firstProblem: APIRouteError?
        for (kind, segments) in Self.table {
            guard segments.count == parts.count else { continue }
            var p = Parameters()
            var matched = true
            for (pattern, part) in zip(segments, parts) {
                if let problem = Self.match(pattern, part, into: &p) {
                    if case .badParameter = problem, firstProblem == nil { firstProblem = problem }
                    matched = false
                    break
                }
            }
            if matched, let route = APIRoute(kind, p) {
                self = route
                return
            }
        }
        throw firstProblem ?? .notFound
    }

    private static let table = Kind.allCases.map { ($0, $0.segments) }

    /// nil when `part` fits `pattern` (its value stored in `p`); `.notFound` when a literal differs.
    private static func match(_ pattern: Substring, _ part: Substring, into p: inout Parameters) -> APIRouteError? {
        switch pattern {
        case "{nwid}":
            guard let id = try? NetworkID(hex: part) else {
                return .badParameter(field: "nwid", message: "bad network id \(part): 16 hex digits")
            }
            p.nwid = id
        case "{address}":
            guard let a = try? Address(hex: part) else { return .badParameter(field: "address", message: "bad address \(part): 10 hex digits") }
            p.address = a
        case "{world}":
            guard (1...16).contains(part.utf8.count), part.allSatisfy(\.isHexDigit), let id = UInt64(part, radix: 16) else {
                return .badParameter(field: "id", message: "bad world id \(part): 1 to 16 hex digits")
            }
            p.world = id
        case "{controller}______":
            guard part.hasSuffix("______") else { return .notFound }
            guard part.utf8.count == 16, let a = try? Address(hex: part.prefix(10)) else {
                return .badParameter(field: "id", message: "a new network's id is the controller's 10-digit address and six underscores")
            }
            p.controller = a
        case "{asset}":
            // A file name of the built-in UI, never a path.
            guard part.utf8.count <= 64, part.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }),
                part.first != "."
            else { return .notFound }
            p.asset = String(part)
        default:
            if pattern != part { return .notFound }
        }
        return nil
    }

    private init?(_ kind: Kind, _ p: Parameters) {
        switch kind {
        case .ui: self = .ui
        case .asset: guard let v = p.asset else { return nil }; self = .asset(v)
        case .health: self = .health
        case .status: self = .status
        case .dns: self = .dns
        case .metrics: self = .metrics
        case .networks: self = .networks
        case .network: guard let v = p.nwid else { return nil }; self = .network(v)
        case .peers: self = .peers
        case .peer: guard let v = p.address else { return nil }; self = .peer(v)
        case .moons: self = .moons
        case .moon: guard let v = p.world else { return nil }; self = .moon(v)
        case .controller: self = .controller
        case .controllerNetworks: self = .controllerNetworks
        case .newControllerNetwork: guard let v = p.controller else { return nil }; self = .newControllerNetwork(v)
        case .controllerNetwork: guard let v = p.nwid else { return nil }; self = .controllerNetwork(v)
        case .controllerMembers: guard let v = p.nwid else { return nil }; self = .controllerMembers(v)
        case .controllerMember:
            guard let n = p.nwid, let a = p.address else { return nil }
            self = .controllerMember(n, a)
        case .unstableControllerNetworks: self = .unstableControllerNetworks
        case .unstableControllerMembers: guard let v = p.nwid else { return nil }; self = .unstableControllerMembers(v)
        }
    }

    /// Whether the controller answers it (on its own thread).
    public var isController: Bool {
        switch self {
        case .controller, .controllerNetworks, .newControllerNetwork, .controllerNetwork, .controllerMembers, .controllerMember,
            .unstableControllerNetworks, .unstableControllerMembers:
            true
        default: false
        }
    }

    /// Whether it is answered without the token: the health check and the web UI's files (which hold no data).
    public var isOpen: Bool {
        switch self {
        case .health, .ui, .asset: true
        default: false
        }
    }
}

extension APIRoute {
    /// A path read once, so that admission, dispatch and the handler share one parse.
    public static func parse(path: String) -> Result<APIRoute, APIRouteError> {
        do throws(APIRouteError) { return .success(try APIRoute(path: path)) } catch { return .failure(error) }
    }
}
