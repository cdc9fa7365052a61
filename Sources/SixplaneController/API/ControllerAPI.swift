import Foundation
import SixplaneAPI
import SixplaneCore
import SixplaneJSON

/// The controller's HTTP API (`/controller/…`) as plain request → response handlers, so that tests drive it without
/// sockets and the daemon mounts it on its HTTP server. Fields, defaults and revision counters are ZeroTier
/// 1.14.1's, so tools written for its controller (ztnet, ztncui, zero-ui) work unchanged.
public final class ControllerAPI {
    public struct Request: Sendable {
        public var method: String
        public let path: String
        /// The path read as a route once, when the request is made.
        public let route: Result<APIRoute, APIRouteError>
        public var query: [String: String]
        public var body: Data

        public init(method: String, path: String, query: [String: String] = [:], body: Data = Data()) {
            self.init(method: method, path: path, route: APIRoute.parse(path: path), query: query, body: body)
        }

        /// A request whose path the caller has already read.
        public init(method: String, path: String, route: Result<APIRoute, APIRouteError>, query: [String: String] = [:], body: Data = Data()) {
            self.method = method
            self.path = path
            self.route = route
            self.query = query
            self.body = body
        }
    }

    public struct Response: Equatable, Sendable {
        public var status: Int
        public var body: String
        public var json: JSON? { JSON(parsing: body) }

        public init(status: Int, body: String) {
            self.status = status
            self.body = body
        }

        init(_ json: JSON, status: Int = 200) { self.init(status: status, body: json.text) }
        init(_ error: ControllerError) { self.init(error.json, status: error.httpStatus) }
    }

    public let controller: Controller

    public init(controller: Controller) { self.controller = controller }

    var store: ControllerStore { controller.store }

    /// Handles one request; `now` stamps creation and authorization times.
    public func handle(_ request: Request, now: Int64) -> Response {
        let method = request.method.uppercased() == "PUT" ? "POST" : request.method.uppercased()
        do throws(ControllerError) {
            let route: APIRoute
            switch request.route {
            case .success(let r): route = r
            case .failure(let error):
                switch error {
                case .notFound: throw ControllerError(.notFound, "no such path")
                case .badParameter(let field, let message): throw ControllerError(.badRequest, message, field: field)
                }
            }
            switch (method, route) {
            case ("GET", .controller):
                let text = "{\n\t\"controller\": true,\n\t\"apiVersion\": 4,\n\t\"clock\": \(now),\n\t\"databaseReady\": true\n}\n"
                return Response(status: 200, body: text)
            case ("GET", .controllerNetworks):
                return Response(.array(try store.networkIDs().map { .string($0.description) }))
            case ("GET", .unstableControllerNetworks):
                return try unstableNetworks(try store.networkIDs())
            case ("POST", .controllerNetworks):
                return try createNetwork(request, now: now)
            case ("GET", .controllerNetwork(let id)):
                guard let n = try store.network(id) else { throw ControllerError(.notFound, "no such network") }
                return Response(n.json)
            case ("POST", .newControllerNetwork(let prefix)):
                guard prefix == controller.identity.address else {
                    throw ControllerError(.badRequest, "a new network's id must start with this controller's address \(controller.identity.address)", field: "id")
                }
                return try createNetwork(request, now: now)
            case ("POST", .controllerNetwork(let id)):
                return try updateNetwork(id, fields: try body(request), now: now)
            case ("DELETE", .controllerNetwork(let nwid)):
                guard let old = try store.deleteNetwork(nwid) else { throw ControllerError(.notFound, "no such network") }
                controller.forget(nwid)
                return Response(old.json)
            case ("GET", .unstableControllerMembers(let nwid)):
                guard try store.network(nwid) != nil else { throw ControllerError(.notFound, "no such network") }
                if let page = try memberPage(nwid, request.query, now: now) { return page }
                let members = try store.members(nwid)
                let counts = try store.memberCounts(nwid)
                return Response(["data": .array(members.map(\.json)), "meta": ["totalCount": .int(Int64(counts.total)), "authorizedCount": .int(Int64(counts.authorized))]])
            case ("GET", .controllerMembers(let nwid)):
                guard try store.network(nwid) != nil else { throw ControllerError(.notFound, "no such network") }
                if request.query["offset"] != nil || request.query["limit"] != nil || request.query["after"] != nil {
                    guard let limit = Int(request.query["limit"] ?? "100"), limit > 0, limit <= 10_000 else {
                        throw ControllerError(.badRequest, "limit must be a number in 1…10000", field: "limit")
                    }
                    // The cursor: the members after an address (the last one of the page before), through the index,
                    // none skipped or seen twice however the list changes during the walk.
                    if let after = request.query["after"] {
                        guard request.query["offset"] == nil else {
                            throw ControllerError(.badRequest, "give after or offset, not both", field: "after")
                        }
                        let key = try after.isEmpty ? nil : address(after, field: "after")
                        return Response(.array(try store.members(nwid, after: key, limit: limit).map(\.json)))
                    }
                    guard let offset = Int(request.query["offset"] ?? "0"), offset >= 0 else {
                        throw ControllerError(.badRequest, "offset must be a number ≥ 0", field: "offset")
                    }
                    return Response(.array(try store.members(nwid, offset: offset, limit: limit).map(\.json)))
                }
                var o: [String: JSON] = [:]
                for (a, r) in try store.memberRevisions(nwid) { o[a.description] = .int(r) }
                return Response(.object(o))
            case ("GET", .controllerMember(let id, let a)):
                guard let m = try store.member(id, a) else { throw ControllerError(.notFound, "no such member") }
                return Response(m.json)
            case ("POST", .controllerMember(let id, let a)):
                return try updateMember(id, a, request, now: now)
            case ("DELETE", .controllerMember(let nwid, let a)):
                guard let old = try store.deleteMember(nwid, a) else { throw ControllerError(.notFound, "no such member") }
                controller.memberChanged(nwid, a, before: old, after: nil, now: now)
                return Response(old.json)
            default:
                return Response(ControllerError(.notFound, "no such path or method"))
            }
        } catch {
            return Response(error)
        }
    }

    private func address(_ text: String, field: String = "address") throws(ControllerError) -> Address {
        do { return try Address(hex: text) } catch { throw ControllerError(.badRequest, error.message, field: field) }
    }

    private func body(_ request: Request) throws(ControllerError) -> [String: JSON] {
        if request.body.isEmpty { return [:] }
        guard let json = JSON(parsing: request.body) else {
            throw ControllerError(.badRequest, "the request body is not valid JSON", field: "body")
        }
        guard let o = json.objectValue else { throw ControllerError(.badRequest, "the request body must be a JSON object", field: "body") }
        return o
    }

    private func createNetwork(_ request: Request, now: Int64) throws(ControllerError) -> Response {
        let fields = try body(request)
        var rng = ControllerRandom(controller: controller)
        let candidate = try NetworkIDAllocator.allocate(controller: controller.identity.address, using: &rng, attempts: 100_000) { (id) throws(ControllerError) in
            try store.network(id) != nil
        }
        guard let id = candidate else { throw ControllerError(.unavailable, "no free network id") }
        return try updateNetwork(id, fields: fields, now: now)
    }

    private func updateNetwork(_ id: NetworkID, fields: [String: JSON], now: Int64) throws(ControllerError) -> Response {
        let before = try store.network(id)?.revision
        let updated = try store.updateNetwork(id, create: true, now: now) { (n) throws(ControllerError) in try n.apply(fields) }
        guard let updated else { throw ControllerError(.notFound, "no such network") }
        // A POST that changed nothing keeps the revision: the members' configs stand.
        if updated.revision != before { controller.networkChanged(id, now: now) }
        return Response(updated.json)
    }

    private func updateMember(_ id: NetworkID, _ address: Address, _ request: Request, now: Int64) throws(ControllerError) -> Response {
        let fields = try body(request)
        let before = try store.member(id, address)
        let updated = try store.updateMember(id, address, create: true, now: now) { m, ipTaken throws(ControllerError) in
            try m.apply(fields, now: now)
            for ip in m.ipAssignments where try ipTaken(ip) {
                throw ControllerError(.badRequest, "\(ip) is already assigned to another member", field: "ipAssignments")
            }
        }
        guard let updated else { throw ControllerError(.notFound, "no such network") }
        controller.memberChanged(id, address, before: before, after: updated, now: now)
        return Response(updated.json)
    }

    private func unstableNetworks(_ ids: [NetworkID]) throws(ControllerError) -> Response {
        var data: [JSON] = []
        for id in ids {
            guard let n = try store.network(id), var o = n.json.objectValue else { continue }
            let counts = try store.memberCounts(id)
            o["meta"] = ["totalMemberCount": .int(Int64(counts.total)), "authorizedMemberCount": .int(Int64(counts.authorized))]
            data.append(.object(o))
        }
        return Response(["data": .array(data), "meta": ["networkCount": .int(Int64(data.count))]])
    }
}

/// The controller's random bits as a generator (network ids).
struct ControllerRandom: RandomNumberGenerator {
    let controller: Controller
    mutating func next() -> UInt64 { controller.random() }
}
