import Foundation
import SixplaneCore
import SixplaneJSON

/// The controller's HTTP API (`/controller/…`) as plain request → response handlers, so that tests drive it without
/// sockets and the daemon mounts it on its HTTP server. Fields, defaults and revision counters are ZeroTier
/// 1.14.1's, so tools written for its controller (ztnet, ztncui, zero-ui) work unchanged.
public final class ControllerAPI {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        public var body: Data

        public init(method: String, path: String, query: [String: String] = [:], body: Data = Data()) {
            self.method = method
            self.path = path
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
        var parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var unstable = false
        if parts.first == "unstable" {
            unstable = true
            parts.removeFirst()
        }
        guard parts.first == "controller", let route = Route(Array(parts.dropFirst())) else {
            return Response(ControllerError(.notFound, "no such path"))
        }
        do throws(ControllerError) {
            switch (method, route) {
            case ("GET", .root):
                let text = "{\n\t\"controller\": true,\n\t\"apiVersion\": 4,\n\t\"clock\": \(now),\n\t\"databaseReady\": true\n}\n"
                return Response(status: 200, body: text)
            case ("GET", .networks):
                let ids = try store.networkIDs()
                if unstable { return try unstableNetworks(ids) }
                return Response(.array(ids.map { .string($0.description) }))
            case ("POST", .networks):
                return try createNetwork(request, now: now)
            case ("GET", .network(let id)):
                guard let n = try store.network(try networkID(id)) else { throw ControllerError(.notFound, "no such network") }
                return Response(n.json)
            case ("POST", .network(let id)):
                if id.hasSuffix("______") {
                    guard id.count == 16, let prefix = try? Address(hex: id.prefix(10)), prefix == controller.identity.address else {
                        throw ControllerError(.badRequest, "a new network's id must start with this controller's address \(controller.identity.address)", field: "id")
                    }
                    return try createNetwork(request, now: now)
                }
                return try updateNetwork(try networkID(id), fields: try body(request), now: now)
            case ("DELETE", .network(let id)):
                let nwid = try networkID(id)
                guard let old = try store.deleteNetwork(nwid) else { throw ControllerError(.notFound, "no such network") }
                controller.forget(nwid)
                return Response(old.json)
            case ("GET", .members(let id)):
                let nwid = try networkID(id)
                guard try store.network(nwid) != nil else { throw ControllerError(.notFound, "no such network") }
                if unstable {
                    let members = try store.members(nwid)
                    let counts = try store.memberCounts(nwid)
                    return Response(["data": .array(members.map(\.json)), "meta": ["totalCount": .int(Int64(counts.total)), "authorizedCount": .int(Int64(counts.authorized))]])
                }
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
            case ("GET", .member(let id, let addr)):
                guard let m = try store.member(try networkID(id), try address(addr)) else { throw ControllerError(.notFound, "no such member") }
                return Response(m.json)
            case ("POST", .member(let id, let addr)):
                return try updateMember(try networkID(id), try address(addr), request, now: now)
            case ("DELETE", .member(let id, let addr)):
                let nwid = try networkID(id), a = try address(addr)
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

    enum Route {
        case root, networks
        case network(String)
        case members(String)
        case member(String, String)

        init?(_ p: [String]) {
            switch p.count {
            case 0: self = .root
            case 1 where p[0] == "network": self = .networks
            case 2 where p[0] == "network": self = .network(p[1])
            case 3 where p[0] == "network" && p[2] == "member": self = .members(p[1])
            case 4 where p[0] == "network" && p[2] == "member": self = .member(p[1], p[3])
            default: return nil
            }
        }
    }

    private func networkID(_ text: String) throws(ControllerError) -> NetworkID {
        do { return try NetworkID(hex: text) } catch { throw ControllerError(.badRequest, error.message, field: "nwid") }
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
