import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

/// Every route of the controller API, its defaults and its errors, against both stores.
@Suite struct ControllerAPITests {
    typealias F = ControllerFixtures

    /// An API on a fresh database, with a clock the tests move.
    final class Harness {
        let db: StoreKind.Database
        let api: ControllerAPI
        var now = F.now

        init(_ kind: StoreKind) throws {
            db = try kind.database()
            api = ControllerAPI(controller: Controller(identity: F.controller, store: try db.open()))
        }

        @discardableResult
        func call(_ method: String, _ path: String, _ body: JSON? = nil, query: [String: String] = [:]) -> ControllerAPI.Response {
            call(method, path, raw: body.map(\.text) ?? "", query: query)
        }

        @discardableResult
        func call(_ method: String, _ path: String, raw: String, query: [String: String] = [:]) -> ControllerAPI.Response {
            now += 1
            return api.handle(ControllerAPI.Request(method: method, path: path, query: query, body: Data(raw.utf8)), now: now)
        }

        /// Creates a network through the `______` route; returns its id.
        func network(_ body: JSON = [:]) throws -> String {
            let r = call("POST", "/controller/network/\(F.controller.address)______", body)
            #expect(r.status == 200, "\(r.body)")
            return try #require(r.json?["id"]?.stringValue)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func statusRoute(kind: StoreKind) throws {
        let h = try Harness(kind)
        let r = h.call("GET", "/controller")
        #expect(r.status == 200)
        #expect(r.json?["controller"] == true)
        #expect(r.json?["apiVersion"]?.intValue == 4)
        #expect(r.json?["clock"]?.intValue == h.now)
        // 1.14.1 has /unstable/ only for the two lists (controller/EmbeddedNetworkController.cpp's routes).
        #expect(h.call("GET", "/unstable/controller").status == 404)
        #expect(h.call("GET", "/unstable/controller/network").status == 200)
    }

    /// A network made with no fields has ZeroTier 1.14.1's defaults and exactly its keys.
    @Test(arguments: StoreKind.allCases)
    func newNetworksHaveZeroTiersDefaults(kind: StoreKind) throws {
        let h = try Harness(kind)
        let id = try h.network()
        let createdAt = h.now
        #expect(id.hasPrefix(F.controller.address.description) && id.count == 16 && !id.hasSuffix("000000"))
        let created = try #require(h.call("GET", "/controller/network/\(id)").json?.objectValue)
        let reference = try #require(JSON(parsing: try Fixtures.text("zt-1.14.1/session/network.json"))?.objectValue)
        #expect(Set(created.keys) == Set(reference.keys))
        let expected: [String: JSON] = [
            "name": "", "private": true, "enableBroadcast": true, "mtu": 2800, "multicastLimit": 32, "routes": [],
            "ipAssignmentPools": [], "v4AssignMode": ["zt": false], "v6AssignMode": ["zt": false, "6plane": false, "rfc4193": false],
            "rules": [["not": false, "or": false, "type": "ACTION_ACCEPT"]], "authTokens": [nil], "capabilities": [], "tags": [],
            "dns": [], "remoteTraceTarget": nil, "remoteTraceLevel": 0, "revision": 1, "objtype": "network",
            "ssoEnabled": false, "rulesSource": "", "clientId": "", "authorizationEndpoint": "",
        ]
        for (key, value) in expected { #expect(created[key] == value, "\(key)") }
        #expect(created["nwid"] == created["id"])
        #expect(created["creationTime"]?.intValue == createdAt)
    }

    /// The fields the reference network was made with give back the reference record.
    @Test(arguments: StoreKind.allCases)
    func networkFieldsRoundTrip(kind: StoreKind) throws {
        let h = try Harness(kind)
        var reference = try #require(JSON(parsing: try Fixtures.text("zt-1.14.1/session/network.json"))?.objectValue)
        let id = try #require(reference["id"]?.stringValue)
        let r = h.call("POST", "/controller/network/\(id)", .object(reference))
        #expect(r.status == 200)
        var got = try #require(r.json?.objectValue)
        for key in ["creationTime"] {
            got[key] = nil
            reference[key] = nil
        }
        #expect(got == reference)
        // Posting the same again changes nothing, so the revision stays.
        #expect(h.call("POST", "/controller/network/\(id)", .object(reference)).json?["revision"] == 1)
        #expect(h.call("POST", "/controller/network/\(id)", ["name": "renamed"]).json?["revision"] == 2)
        // PUT is POST.
        #expect(h.call("PUT", "/controller/network/\(id)", ["mtu": 1400]).json?["mtu"] == 1400)
        // Values outside what ZeroTier allows are clamped as it does.
        #expect(h.call("POST", "/controller/network/\(id)", ["mtu": 99999]).json?["mtu"] == 10000)
    }

    @Test(arguments: StoreKind.allCases)
    func listingAndDeletingNetworks(kind: StoreKind) throws {
        let h = try Harness(kind)
        #expect(h.call("GET", "/controller/network").json == [])
        let a = try h.network(["name": "a"]), b = try h.network(["name": "b"])
        #expect(h.call("GET", "/controller/network").json == .array([a, b].sorted().map { .string($0) }))
        let unstable = try #require(h.call("GET", "/unstable/controller/network").json)
        #expect(unstable["meta"]?["networkCount"] == 2)
        #expect(unstable["data"]?.arrayValue?.first?["meta"]?["totalMemberCount"] == 0)
        h.call("POST", "/controller/network/\(a)/member/0102030405", ["authorized": true])
        let deleted = h.call("DELETE", "/controller/network/\(a)")
        #expect(deleted.status == 200 && deleted.json?["name"] == "a")
        #expect(h.call("GET", "/controller/network/\(a)").status == 404)
        #expect(h.call("GET", "/controller/network/\(a)/member/0102030405").status == 404)
        #expect(h.call("DELETE", "/controller/network/\(a)").status == 404)
        #expect(h.call("GET", "/controller/network").json == .array([.string(b)]))
    }

    @Test(arguments: StoreKind.allCases)
    func membersRoutes(kind: StoreKind) throws {
        let h = try Harness(kind)
        let id = try h.network([
            "v4AssignMode": ["zt": true], "routes": [["target": "10.9.0.0/24"]],
            "ipAssignmentPools": [["ipRangeStart": "10.9.0.1", "ipRangeEnd": "10.9.0.254"]],
        ])
        let path = "/controller/network/\(id)/member"
        #expect(h.call("GET", path).json == [:])
        let created = h.call("POST", "\(path)/0102030405", ["name": "web", "ipAssignments": ["10.9.0.7"]])
        #expect(created.status == 200)
        let m = try #require(created.json?.objectValue)
        let reference = try #require(JSON(parsing: try Fixtures.text("zt-1.14.1/session/ctl-member-a.json"))?.objectValue)
        #expect(Set(m.keys).subtracting(["name"]) == Set(reference.keys))
        #expect(m["authorized"] == false && m["revision"] == 1 && m["identity"] == .null && m["ipAssignments"] == ["10.9.0.7"])
        #expect(m["vMajor"] == -1 && m["lastAuthorizedTime"] == 0 && m["objtype"] == "member" && m["nwid"]?.stringValue == id)
        let authorized = try #require(h.call("POST", "\(path)/0102030405", ["authorized": true]).json)
        #expect(authorized["authorized"] == true && authorized["revision"] == 2)
        #expect(authorized["lastAuthorizedTime"]?.intValue == h.now && authorized["lastAuthorizedCredentialType"] == "api")
        let deauthorized = try #require(h.call("POST", "\(path)/0102030405", ["authorized": false]).json)
        #expect(deauthorized["lastDeauthorizedTime"]?.intValue == h.now && deauthorized["revision"] == 3)
        #expect(h.call("GET", "\(path)/0102030405").json?["name"] == "web")
        for n in 0..<5 { h.call("POST", "\(path)/0a0000000\(n)", ["authorized": .bool(n % 2 == 0)]) }
        let list = try #require(h.call("GET", path).json?.objectValue)
        #expect(list.count == 6 && list["0102030405"] == 3 && list["0a00000000"] == 1)
        // Paged, full objects, in address order (beyond ZeroTier).
        let page = try #require(h.call("GET", path, query: ["offset": "1", "limit": "2"]).json?.arrayValue)
        #expect(page.map { $0["address"]?.stringValue } == ["0a00000000", "0a00000001"])
        #expect(page.first?["objtype"] == "member")
        #expect(h.call("GET", path, query: ["offset": "6"]).json == [])
        // By cursor: after the last address of the page before.
        let first = try #require(h.call("GET", path, query: ["after": "", "limit": "2"]).json?.arrayValue)
        #expect(first.map { $0["address"]?.stringValue } == ["0102030405", "0a00000000"])
        let next = try #require(h.call("GET", path, query: ["after": "0a00000000", "limit": "2"]).json?.arrayValue)
        #expect(next.map { $0["address"]?.stringValue } == ["0a00000001", "0a00000002"])
        let unstable = try #require(h.call("GET", "/unstable\(path)").json)
        #expect(unstable["meta"]?["totalCount"] == 6 && unstable["meta"]?["authorizedCount"] == 3)
        #expect(unstable["data"]?.arrayValue?.count == 6)
        let deleted = h.call("DELETE", "\(path)/0102030405")
        #expect(deleted.status == 200 && deleted.json?["name"] == "web")
        #expect(h.call("GET", "\(path)/0102030405").status == 404)
        #expect(h.call("DELETE", "\(path)/0102030405").status == 404)
        // Its address is free again.
        #expect(h.call("POST", "\(path)/0b00000000", ["ipAssignments": ["10.9.0.7"]]).status == 200)
    }

    struct BadRequest: Sendable, CustomTestStringConvertible {
        var method: String
        var path: String
        var body: String
        var status: Int
        var field: String?
        var testDescription: String { "\(method) \(path) \(body)" }
    }

    /// Every kind of bad request gets its status and a JSON error naming the field; nothing is stored.
    static let badRequests: [BadRequest] = [
        .init(method: "POST", path: "/controller/network/NWID", body: "{", status: 400, field: "body"),
        .init(method: "POST", path: "/controller/network/NWID", body: "[1]", status: 400, field: "body"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"mtu\": \"big\"}", status: 400, field: "mtu"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"private\": \"maybe\"}", status: 400, field: "private"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"name\": 5}", status: 400, field: "name"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"multicastLimit\": -1}", status: 400, field: "multicastLimit"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"routes\": [{\"target\": \"10.0.0.0/33\"}]}", status: 400, field: "routes[0].target"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"routes\": [{\"target\": \"10.0.0.0/8\", \"via\": \"x\"}]}", status: 400, field: "routes[0].via"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"ipAssignmentPools\": [{\"ipRangeStart\": \"10.0.0.9\", \"ipRangeEnd\": \"10.0.0.1\"}]}", status: 400, field: "ipAssignmentPools[0]"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"ipAssignmentPools\": [{\"ipRangeStart\": \"10.0.0.1\", \"ipRangeEnd\": \"fd00::1\"}]}", status: 400, field: "ipAssignmentPools[0]"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"rules\": [{\"type\": \"ACTION_EXPLODE\"}]}", status: 400, field: "rules[0]"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"v6AssignMode\": {\"6plane\": \"yes\"}}", status: 400, field: "v6AssignMode.6plane"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"dns\": {\"servers\": [\"nope\"]}}", status: 400, field: "dns"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"tags\": [{\"default\": 1}]}", status: 400, field: "tags"),
        .init(method: "POST", path: "/controller/network/NWID", body: "{\"authTokens\": 5}", status: 400, field: "authTokens"),
        .init(method: "POST", path: "/controller/network/NWID/member/0102030405", body: "{\"authorized\": \"yes\"}", status: 400, field: "authorized"),
        .init(method: "POST", path: "/controller/network/NWID/member/0102030405", body: "{\"ipAssignments\": [\"10.0.0.300\"]}", status: 400, field: "ipAssignments[0]"),
        .init(method: "POST", path: "/controller/network/NWID/member/0102030405", body: "{\"ipAssignments\": \"10.0.0.3\"}", status: 400, field: "ipAssignments"),
        .init(method: "POST", path: "/controller/network/NWID/member/0102030405", body: "{\"tags\": [[1]]}", status: 400, field: "tags[0]"),
        .init(method: "POST", path: "/controller/network/NWID/member/0102030405", body: "{\"capabilities\": [\"x\"]}", status: 400, field: "capabilities"),
        .init(method: "POST", path: "/controller/network/NWID/member/0102030405", body: "{\"remoteTraceTarget\": \"xyz\"}", status: 400, field: "remoteTraceTarget"),
        .init(method: "POST", path: "/controller/network/NWID/member/0102030405", body: "\u{0}\u{1}garbage", status: 400, field: "body"),
        .init(method: "POST", path: "/controller/network/NWID/member/zz", body: "{}", status: 400, field: "address"),
        .init(method: "POST", path: "/controller/network/NWID/member/ffffffffff", body: "{}", status: 400, field: "address"),
        .init(method: "GET", path: "/controller/network/12345", body: "", status: 400, field: "nwid"),
        .init(method: "GET", path: "/controller/network/NWID/member", body: "?limit=0", status: 400, field: "limit"),
        .init(method: "GET", path: "/controller/network/NWID/member", body: "?limit=x", status: 400, field: "limit"),
        .init(method: "GET", path: "/controller/network/NWID/member", body: "?offset=-1", status: 400, field: "offset"),
        .init(method: "GET", path: "/controller/network/NWID/member", body: "?after=xyz", status: 400, field: "after"),
        .init(method: "GET", path: "/controller/network/NWID/member", body: "?after=0102030405&offset=3", status: 400, field: "after"),
        .init(method: "POST", path: "/controller/network/ffffffffff______", body: "{}", status: 400, field: "id"),
        .init(method: "POST", path: "/controller/network/12______", body: "{}", status: 400, field: "id"),
        .init(method: "GET", path: "/controller/network/aaaaaaaaaa000001", body: "", status: 404, field: nil),
        .init(method: "GET", path: "/controller/network/aaaaaaaaaa000001/member", body: "", status: 404, field: nil),
        .init(method: "POST", path: "/controller/network/aaaaaaaaaa000001/member/0102030405", body: "{}", status: 404, field: nil),
        .init(method: "GET", path: "/controller/network/NWID/member/0999999999", body: "", status: 404, field: nil),
        .init(method: "DELETE", path: "/controller/network/NWID/member/0999999999", body: "", status: 404, field: nil),
        .init(method: "GET", path: "/controller/nothing", body: "", status: 404, field: nil),
        .init(method: "GET", path: "/elsewhere", body: "", status: 404, field: nil),
        .init(method: "DELETE", path: "/controller", body: "", status: 404, field: nil),
        .init(method: "PATCH", path: "/controller/network/NWID", body: "{}", status: 404, field: nil),
    ]

    @Test(arguments: StoreKind.allCases)
    func badRequestsAreRefusedAndNameTheirField(kind: StoreKind) throws {
        let h = try Harness(kind)
        let id = try h.network(["name": "keep"])
        h.call("POST", "/controller/network/\(id)/member/0102030405", ["name": "keep"])
        let before = h.call("GET", "/controller/network/\(id)").body
        let memberBefore = h.call("GET", "/controller/network/\(id)/member/0102030405").body
        for bad in Self.badRequests {
            var query: [String: String] = [:]
            var body = bad.body
            if body.hasPrefix("?") {
                for pair in body.dropFirst().split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    query[kv[0]] = kv.count > 1 ? kv[1] : ""
                }
                body = ""
            }
            let r = h.call(bad.method, bad.path.replacingOccurrences(of: "NWID", with: id), raw: body, query: query)
            #expect(r.status == bad.status, "\(bad.testDescription): \(r.body)")
            let error = r.json
            #expect(error?["error"]?.stringValue?.isEmpty == false, "\(bad.testDescription): \(r.body)")
            #expect(error?["field"]?.stringValue == bad.field, "\(bad.testDescription): \(r.body)")
        }
        #expect(h.call("GET", "/controller/network/\(id)").body == before)
        #expect(h.call("GET", "/controller/network/\(id)/member/0102030405").body == memberBefore)
        #expect(h.call("GET", "/controller/network").json == .array([.string(id)]))
    }

    @Test(arguments: StoreKind.allCases)
    func unknownFieldsAreIgnoredAndDuplicatesRefused(kind: StoreKind) throws {
        let h = try Harness(kind)
        let id = try h.network(["name": "x", "someToolsField": ["nested": true], "revision": 99, "id": "0000000000000000"])
        let n = try #require(h.call("GET", "/controller/network/\(id)").json)
        #expect(n["someToolsField"] == nil && n["revision"] == 1 && n["id"]?.stringValue == id)
        h.call("POST", "/controller/network/\(id)/member/0102030405", ["ipAssignments": ["10.1.1.1"], "zeroUIField": 1])
        let dup = h.call("POST", "/controller/network/\(id)/member/0102030406", ["ipAssignments": ["10.1.1.1"]])
        #expect(dup.status == 400 && dup.json?["field"] == "ipAssignments")
        #expect(h.call("GET", "/controller/network/\(id)/member/0102030406").status == 404)
    }

    /// Many API clients updating one member at once: every change lands and the revision counts them.
    @Test(arguments: StoreKind.allCases)
    func concurrentAPIUpdatesLoseNothing(kind: StoreKind) throws {
        let h = try Harness(kind)
        let id = try h.network()
        let path = "/controller/network/\(id)/member/0102030405"
        h.call("POST", path, ["name": "start"])
        // One API (controller, store) per worker, as separate processes would have.
        nonisolated(unsafe) let apis = try (0..<4).map { _ in ControllerAPI(controller: Controller(identity: F.controller, store: try h.db.open())) }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { w in
            for i in 0..<25 {
                let body: JSON = ["name": .string("w\(w)-\(i)"), "tags": [[.int(Int64(w)), .int(Int64(i))]]]
                let r = apis[w].handle(.init(method: "POST", path: path, body: Data(body.text.utf8)), now: F.now)
                if r.status != 200 { failures.add(r.body) }
            }
        }
        #expect(failures.all.isEmpty)
        #expect(h.call("GET", path).json?["revision"] == 101)
    }
}
