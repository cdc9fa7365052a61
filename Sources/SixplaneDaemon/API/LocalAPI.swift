import Foundation
import NIOCore
import SixplaneAPI
import SixplaneController
import SixplaneCore
import SixplaneJSON

/// The daemon's local JSON API (ZeroTier One's service API, protocol-network.md §9.2, plus the controller's) as a
/// request → response function, called on the node's loop; the HTTP server is a thin shell around it.
public final class LocalAPI: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public let path: String
        /// The path read as a route once, when the request is made.
        public let route: Result<APIRoute, APIRouteError>
        public var query: [String: String]
        /// The token the client presented (X-ZT1-Auth, Authorization: Bearer, or ?auth=), if any.
        public var token: String?
        public var body: Data

        public init(method: String, path: String, query: [String: String] = [:], token: String? = nil, body: Data = Data()) {
            self.init(method: method, path: path, route: APIRoute.parse(path: path), query: query, token: token, body: body)
        }

        /// A request whose path the caller has already read (the server reads it to admit the request).
        public init(
            method: String, path: String, route: Result<APIRoute, APIRouteError>, query: [String: String] = [:], token: String? = nil,
            body: Data = Data()
        ) {
            self.method = method
            self.path = path
            self.route = route
            self.query = query
            self.token = token
            self.body = body
        }
    }

    public struct Response: Sendable, Equatable {
        public var status: Int
        public var contentType = "application/json"
        public var body: String
        public var headers: [String: String] = [:]

        public init(status: Int, contentType: String = "application/json", body: String, headers: [String: String] = [:]) {
            self.status = status
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }

        init(_ json: JSON, status: Int = 200) { self.init(status: status, body: json.pretty(indent: "  ") + "\n") }

        static func error(_ status: Int, _ message: String, field: String? = nil) -> Response {
            var o: [String: JSON] = ["error": .string(message)]
            if let field { o["field"] = .string(field) }
            return Response(.object(o), status: status)
        }

        public var json: JSON? { JSON(parsing: body) }
    }

    let daemon: DaemonNode
    let token: String
    public static let versionMajor = 1, versionMinor = 14, versionRevision = 1

    public init(daemon: DaemonNode, token: String) {
        self.daemon = daemon
        self.token = token
    }

    var node: Node { daemon.node }

    /// Whether a request may go on before its body is read: `/health` and the web UI's files are open, everything
    /// else needs the token.
    public func admits(method: String, route: Result<APIRoute, APIRouteError>, token presented: String?) -> Bool {
        if method == "GET", case .success(let route) = route, route.isOpen { return true }
        guard let presented else { return false }
        return Self.constantTimeEqual(presented, token)
    }

    /// Counts a request refused before its body was read.
    public func countRefused() {
        daemon.loop.execute { [daemon] in
            daemon.counters.apiRequests += 1
            daemon.counters.apiUnauthorized += 1
        }
    }

    /// Answers one request: the controller's routes on the controller's thread (503 if its database cannot answer
    /// in time), the node's on the node's loop. Callable from anywhere.
    public func respond(_ request: Request) -> EventLoopFuture<Response> {
        guard case .success(let route) = request.route, route.isController else {
            return daemon.loop.submit { self.handle(request) }
        }
        // Refused before the controller is looked for: an unauthorized call never opens its database.
        guard admits(method: request.method, route: request.route, token: request.token) else {
            countRefused()
            return daemon.loop.makeSucceededFuture(Response(status: 401, body: "{}\n"))
        }
        let daemon = self.daemon
        return daemon.loop.flatSubmit { daemon.controller() }.flatMap { service -> EventLoopFuture<Response> in
            guard let service else { return daemon.loop.submit { self.handle(request) } }
            daemon.counters.apiRequests += 1
            let method = request.method == "PUT" ? "POST" : request.method
            return service.handle(ControllerAPI.Request(method: method, path: request.path, route: request.route, query: request.query, body: request.body))
                .map { Response(status: $0.status, body: $0.body) }
        }.flatMapErrorThrowing { error in
            daemon.counters.apiRequests += 1
            return .error(503, "the controller's database cannot be opened: \(error)")
        }
    }

    /// Handles one request for the node (a controller route answers 404 when this node runs no controller); must
    /// run on the node's loop.
    public func handle(_ request: Request) -> Response {
        daemon.loop.preconditionInEventLoop()
        daemon.counters.apiRequests += 1
        let route: APIRoute
        switch request.route {
        case .success(let r): route = r
        case .failure(let error):
            guard request.token.map({ Self.constantTimeEqual($0, token) }) == true else {
                daemon.counters.apiUnauthorized += 1
                return Response(status: 401, body: "{}\n")
            }
            switch error {
            case .notFound: return .error(404, "no such path or method: \(request.method) \(request.path)")
            case .badParameter(let field, let message): return .error(400, message, field: field)
            }
        }
        let method = request.method == "PUT" ? "POST" : request.method
        if route.isOpen && method == "GET" {
            switch route {
            case .health: return Response(health)
            case .ui: return WebUI.response(for: "index.html")
            case .asset(let name): return WebUI.response(for: name)
            default: break
            }
        }
        guard let presented = request.token, Self.constantTimeEqual(presented, token) else {
            daemon.counters.apiUnauthorized += 1
            return Response(status: 401, body: "{}\n")
        }
        if route.isController {
            return .error(daemon.controllerService == nil ? 404 : 500, daemon.controllerService == nil ? "this node runs no controller" : "controller routes are answered through respond(_:)")
        }
        switch (method, route) {
        case ("GET", .status): return Response(status)
        case ("GET", .networks): return Response(.array(node.networks.keys.sorted { $0.rawValue < $1.rawValue }.compactMap(networkJSON)))
        case (_, .network(let id)): return network(method, id, request)
        case ("GET", .peers): return Response(.array(node.topology.peers.keys.sorted().compactMap { peerJSON($0) }))
        // An unknown peer is an empty object, as 1.14.1 answers (zero-ui's reachability check reads it so).
        case ("GET", .peer(let a)): return Response(peerJSON(a) ?? .object([:]))
        case ("GET", .moons):
            let waiting = node.topology.moonSeeds.sorted { $0.key < $1.key }.map { waitingMoonJSON($0.key, seed: $0.value) }
            return Response(.array(node.topology.moons.map(moonJSON) + waiting))
        case (_, .moon(let id)): return moon(method, id, request)
        case ("GET", .dns): return Response(dnsJSON)
        case ("GET", .metrics):
            return Response(status: 200, contentType: "text/plain; version=0.0.4", body: Metrics.text(daemon))
        default:
            return .error(404, "no such path or method: \(request.method) \(request.path)")
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in 0..<x.count { d |= x[i] ^ y[i] }
        return d == 0
    }

    // MARK: Status

    var versionJSON: [String: JSON] {
        [
            "versionMajor": .int(Int64(Self.versionMajor)), "versionMinor": .int(Int64(Self.versionMinor)),
            "versionRev": .int(Int64(Self.versionRevision)), "versionBuild": 0,
            "version": .string("\(Self.versionMajor).\(Self.versionMinor).\(Self.versionRevision)"),
            "clock": .int(DaemonNode.now()),
        ]
    }

    var health: JSON {
        var o = versionJSON
        o["online"] = .bool(node.isOnline)
        return .object(o)
    }

    var status: JSON {
        var o = versionJSON
        o["address"] = .string(node.address.description)
        o["publicIdentity"] = .string(node.identity.publicOnly.description)
        o["online"] = .bool(node.isOnline)
        o["tcpFallbackActive"] = false
        o["planetWorldId"] = .int(Int64(bitPattern: node.topology.planet.id))
        o["planetWorldTimestamp"] = .int(Int64(clamping: node.topology.planet.timestamp))
        o["config"] = [
            "settings": [
                "primaryPort": .int(Int64(daemon.port)), "secondaryPort": .int(Int64(daemon.secondaryPort ?? 0)),
                "allowSecondaryPort": .bool(daemon.secondaryPort != nil), "tertiaryPort": 0, "allowTcpFallbackRelay": false, "forceTcpRelay": false,
                "portMappingEnabled": false, "homeDir": .string(daemon.home.path),
                // As ZeroTier writes an address: ip/port.
                "listeningOn": .array(daemon.sockets.compactMap { $0?.localAddress.flatMap { a in a.ipAddress.map { .string("\($0)/\(a.port ?? 0)") } } }),
                "surfaceAddresses": .array(node.localAddresses.map { .string($0.description) }),
                "softwareUpdate": "disable",
            ]
        ]
        o["sixplaneVersion"] = .string(SixplaneVersion.current)
        return .object(o)
    }

    // MARK: Networks

    func networkJSON(_ id: NetworkID) -> JSON? {
        guard let n = node.networks[id] else { return nil }
        let c = n.config
        let s = daemon.settings[id] ?? LocalNetworkSettings()
        var o: [String: JSON] = [
            "id": .string(id.description), "nwid": .string(id.description), "mac": .string(n.mac.description),
            "name": .string(c?.name ?? ""), "status": .string(n.status.rawValue),
            "type": .string(c?.isPublic == true ? "PUBLIC" : "PRIVATE"), "mtu": .int(Int64(c?.mtu ?? 2800)),
            "dhcp": false, "bridge": false, "broadcastEnabled": .bool(c?.broadcastEnabled ?? false), "portError": 0,
            "netconfRevision": .int(Int64(clamping: c?.revision ?? 0)),
            "portDeviceName": .string(daemon.tapName(id) ?? ""),
            "allowManaged": .bool(s.allowManaged), "allowGlobal": .bool(s.allowGlobal),
            "allowDefault": .bool(s.allowDefault), "allowDNS": .bool(s.allowDNS),
            "assignedAddresses": .array((c?.staticIPs ?? []).map { .string($0.description) }),
            "routes": .array(
                (c?.routes ?? []).map {
                    ["target": .string($0.target.description), "via": $0.via.map { .string($0.description) } ?? .null,
                     "flags": .int(Int64($0.flags)), "metric": .int(Int64($0.metric))]
                }),
            "multicastSubscriptions": .array(
                n.announcedGroups.sorted { ($0.mac.rawValue, $0.adi) < ($1.mac.rawValue, $1.adi) }.map {
                    ["mac": .string($0.mac.description), "adi": .int(Int64($0.adi))]
                }),
        ]
        if let dns = c?.dns {
            o["dns"] = ["domain": .string(dns.domain), "servers": .array(dns.servers.map { .string($0.description) })]
        } else {
            o["dns"] = ["domain": "", "servers": []]
        }
        return .object(o)
    }

    func network(_ method: String, _ id: NetworkID, _ request: Request) -> Response {
        switch method {
        case "GET":
            return networkJSON(id).map { Response($0) } ?? .error(404, "not a member of network \(id)")
        case "POST":
            var settings = daemon.settings[id] ?? daemon.home.localSettings(id)
            if !request.body.isEmpty {
                guard let o = JSON(parsing: request.body)?.objectValue else { return .error(400, "the request body must be a JSON object", field: "body") }
                for (key, path) in [("allowManaged", \LocalNetworkSettings.allowManaged), ("allowGlobal", \.allowGlobal),
                                    ("allowDefault", \.allowDefault), ("allowDNS", \.allowDNS)] {
                    guard let v = o[key] else { continue }
                    guard let b = v.boolValue else { return .error(400, "\(key) must be a boolean", field: key) }
                    settings[keyPath: path] = b
                }
            }
            do { try daemon.join(id, settings: settings) } catch { return .error(500, "cannot join \(id): \(error)") }
            return networkJSON(id).map { Response($0) } ?? .error(500, "join failed")
        case "DELETE":
            return daemon.leave(id) ? Response(["result": true]) : .error(404, "not a member of network \(id)")
        default:
            return .error(404, "no such method for /network: \(method)")
        }
    }

    // MARK: Peers

    func peerJSON(_ a: Address) -> JSON? {
        guard let p = node.topology.peers[a] else { return nil }
        let now = DaemonNode.now()
        let role: String =
            node.topology.planet.roots.contains { $0.identity.address == a }
            ? "PLANET" : node.topology.isUpstream(a) ? "MOON" : "LEAF"
        let version = p.versionMajor >= 0 ? "\(p.versionMajor).\(p.versionMinor).\(p.versionRevision)" : "-1.-1.-1"
        let best = p.paths.filter { $0.isAlive(now) }.min { ($0.latency ?? 1000) < ($1.latency ?? 1000) }
        let paths: [JSON] = p.paths.map { path in
            [
                "address": .string(path.address.description), "lastSend": .int(path.lastSend),
                "lastReceive": .int(path.lastReceive), "trustedPathId": 0, "active": .bool(path.isAlive(now)),
                "expired": .bool(path.isExpired(now)), "preferred": .bool(best?.address == path.address),
                "localSocket": .int(Int64(path.localSocket)),
                "localPort": .int(Int64(path.localSocket >= 2 ? daemon.secondaryPort ?? daemon.port : daemon.port)),
            ]
        }
        return [
            "address": .string(a.description), "versionMajor": .int(Int64(p.versionMajor)),
            "versionMinor": .int(Int64(p.versionMinor)), "versionRev": .int(Int64(p.versionRevision)),
            "version": .string(version), "latency": .int(Int64(p.latency ?? -1)), "role": .string(role),
            "isBonded": false, "tunneled": false, "paths": .array(paths),
        ]
    }

    // MARK: Moons

    func moonJSON(_ w: World) -> JSON {
        [
            "id": .string(Hex.encode(w.id, digits: 16)), "timestamp": .int(Int64(clamping: w.timestamp)),
            "roots": .array(
                w.roots.map { r in
                    ["identity": .string(r.identity.description), "stableEndpoints": .array(r.endpoints.map { .string($0.description) })]
                }),
            "waiting": false,
        ]
    }

    func waitingMoonJSON(_ id: UInt64, seed: Address) -> JSON {
        ["id": .string(Hex.encode(id, digits: 16)), "timestamp": 0, "roots": [], "seed": .string(seed.description), "waiting": true]
    }

    func moon(_ method: String, _ id: UInt64, _ request: Request) -> Response {
        switch method {
        case "GET":
            if let w = node.topology.moons.first(where: { $0.id == id }) { return Response(moonJSON(w)) }
            if let seed = node.topology.moonSeeds[id] { return Response(waitingMoonJSON(id, seed: seed)) }
            return .error(404, "not orbiting \(Hex.encode(id, digits: 16))")
        case "POST":
            // ZeroTier's {"seed": "<address>"} asks that root for the moon; Sixplane also takes the moon file as
            // {"world": "<hex>"} (what `sixplane mkworld` writes), for a moon whose seed this node cannot reach yet.
            guard let o = JSON(parsing: request.body)?.objectValue else { return .error(400, "the request body must be a JSON object", field: "body") }
            if let hex = o["world"]?.stringValue {
                guard let bytes = try? Hex.decode(hex), let world = try? World(bytes: bytes) else {
                    return .error(400, "world is not a valid world file in hex", field: "world")
                }
                guard world.kind == .moon, world.id == id else { return .error(400, "that file is not moon \(Hex.encode(id, digits: 16))", field: "world") }
                node.orbit(world)
                daemon.store(.moon(id), data: world.serialized)
                return Response(moonJSON(world))
            }
            guard let seedText = o["seed"]?.stringValue, let seed = try? Address(hex: seedText) else {
                return .error(400, "send {\"seed\": \"<10-digit root address>\"} or {\"world\": \"<hex of the moon file>\"}", field: "seed")
            }
            node.orbit(moonID: id, seed: seed, now: DaemonNode.now())
            if let w = node.topology.moons.first(where: { $0.id == id }) { return Response(moonJSON(w)) }
            return Response(waitingMoonJSON(id, seed: seed))
        case "DELETE":
            guard node.topology.moons.contains(where: { $0.id == id }) || node.topology.moonSeeds[id] != nil else {
                return .error(404, "not orbiting \(Hex.encode(id, digits: 16))")
            }
            node.deorbit(id)
            return Response(["result": true])
        default:
            return .error(404, "no such method for /moon: \(method)")
        }
    }
}

/// The version `sixplane` reports for itself.
public enum SixplaneVersion {
    public static let current = "0.1.0"
}
