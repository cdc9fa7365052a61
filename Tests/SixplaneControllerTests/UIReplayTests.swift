import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

/// The request sequences of the controller UIs people run against ZeroTier 1.14 (ztnet, ztncui, zero-ui), as their
/// public code sends them (`Tests/Fixtures/ui-requests/README.md` has the requests and what 1.14.1 answers), replayed
/// against the controller on both stores, with the answers checked field by field as 1.14.1 gives them.
@Suite struct UIReplayTests {
    typealias F = ControllerFixtures
    typealias H = ControllerAPITests.Harness

    static func ok(_ r: ControllerAPI.Response, _ what: String) throws -> JSON {
        #expect(r.status == 200, "\(what): \(r.status) \(r.body.prefix(300))")
        return try #require(r.json, "\(what): not JSON")
    }

    /// ztnet (`src/utils/ztApi.ts`): create with its IPv4 helper's keys (a stray `cidrOptions` among them),
    /// configure, flow rules with its extra keys, members by revision, stash, delete.
    @Test(arguments: StoreKind.allCases)
    func ztnet(kind: StoreKind) throws {
        let h = try H(kind)
        let ctl = F.controller.address
        let created = try Self.ok(h.call("POST", "/controller/network/\(ctl)______", [
            "name": "brave-otter", "private": true,
            "ipAssignmentPools": [["ipRangeStart": "10.121.15.1", "ipRangeEnd": "10.121.15.254"]],
            "routes": [["target": "10.121.15.0/24", "via": nil]],
            "v4AssignMode": ["zt": true],
            "cidrOptions": ["10.121.15.0/24", "10.121.16.0/24"],
        ]), "create")
        let nwid = try #require(created["nwid"]?.stringValue)
        #expect(created["id"]?.stringValue == nwid && nwid.hasPrefix("\(ctl)") && nwid.count == 16)
        #expect(created["name"] == "brave-otter" && created["private"] == true && created["objtype"] == "network")
        #expect(created["routes"] == [["target": "10.121.15.0/24", "via": nil]])
        #expect(created["ipAssignmentPools"] == [["ipRangeStart": "10.121.15.1", "ipRangeEnd": "10.121.15.254"]])
        #expect(created["v4AssignMode"] == ["zt": true])
        #expect(created["v6AssignMode"] == ["zt": false, "6plane": false, "rfc4193": false])
        #expect(created["dns"] == [], "1.14.1's default dns is an empty array")
        #expect(created["multicastLimit"] == 32 && created["enableBroadcast"] == true && created["mtu"] == 2800)
        #expect(created["cidrOptions"] == nil, "unknown keys are not kept")
        #expect(try Self.ok(h.call("GET", "/controller/network"), "list") == .array([.string(nwid)]))

        // Configure, one procedure at a time, each answered with the whole network.
        let path = "/controller/network/\(nwid)"
        let dns = try Self.ok(h.call("POST", path, ["dns": ["domain": "lab.example", "servers": ["10.121.15.1"]]]), "dns")
        #expect(dns["dns"] == ["domain": "lab.example", "servers": ["10.121.15.1"]] && dns["name"] == "brave-otter")
        #expect(try Self.ok(h.call("POST", path, ["multicastLimit": 64]), "multicast")["multicastLimit"] == 64)
        #expect(try Self.ok(h.call("POST", path, ["enableBroadcast": false]), "broadcast")["enableBroadcast"] == false)
        #expect(try Self.ok(h.call("POST", path, ["mtu": 1400]), "mtu")["mtu"] == 1400)
        let current = try Self.ok(h.call("GET", path), "get")
        var v6 = try #require(current["v6AssignMode"]?.objectValue)
        v6["6plane"] = true
        #expect(try Self.ok(h.call("POST", path, ["v6AssignMode": .object(v6)]), "ipv6")["v6AssignMode"] == ["zt": false, "6plane": true, "rfc4193": false])
        let rules: JSON = [["type": "MATCH_ETHERTYPE", "not": true, "or": false, "etherType": 2048], ["type": "ACTION_DROP", "not": false, "or": false], ["type": "ACTION_ACCEPT", "not": false, "or": false]]
        let flow = try Self.ok(h.call("POST", path, [
            "rules": rules, "capabilities": [], "tags": [["id": 1, "default": nil]],
            "capabilitiesByName": [:], "tagsByName": ["role": ["id": 1]], "rulesSource": "#",
        ]), "flow rules")
        #expect(flow["rules"]?.arrayValue?.count == 3 && flow["rules"]?.arrayValue?.first?["etherType"] == 2048)
        #expect(flow["tags"] == [["id": 1, "default": nil]])
        #expect(flow["tagsByName"] == nil && flow["capabilitiesByName"] == nil)
        #expect(flow["rulesSource"] == "", "1.14.1 does not take rulesSource from the API")

        // A member joins (its first request creates it; here the API does), then the list by revision.
        let member = "\(path)/member/0102030405"
        #expect(try Self.ok(h.call("POST", member, [:]), "member")["authorized"] == false)
        let list = try #require(try Self.ok(h.call("GET", "\(path)/member"), "members").objectValue)
        let revision = try #require(list["0102030405"]?.intValue)
        let detail = try Self.ok(h.call("GET", member), "member detail")
        for key in ["id", "nwid", "address", "authorized", "ipAssignments", "noAutoAssignIps", "activeBridge", "revision"] {
            #expect(detail[key] != nil, "member field \(key)")
        }
        #expect(detail["id"] == "0102030405" && detail["address"] == "0102030405" && detail["nwid"] == .string(nwid))
        let authorized = try Self.ok(h.call("POST", member, ["authorized": true]), "authorize")
        #expect(authorized["authorized"] == true && authorized["lastAuthorizedCredentialType"] == "api")
        let after = try #require(try Self.ok(h.call("GET", "\(path)/member"), "members")["0102030405"]?.intValue)
        #expect(after > revision, "ztnet re-reads members whose revision moved")
        #expect(try Self.ok(h.call("POST", member, ["authorized": true]), "again")["revision"] == .int(after), "no change, no new revision")
        #expect(try Self.ok(h.call("POST", member, ["name": "laptop", "description": "ignored"]), "rename")["name"] == "laptop")
        #expect(try Self.ok(h.call("POST", member, ["tags": [[1, 7]], "capabilities": []]), "tags")["tags"] == [[1, 7]])
        // Stash, then delete; deleting the network deauthorizes every member first.
        let stashed = try Self.ok(h.call("POST", member, ["authorized": false, "ipAssignments": [], "tags": [], "capabilities": []]), "stash")
        #expect(stashed["authorized"] == false && stashed["ipAssignments"] == [] && stashed["tags"] == [])
        #expect(try Self.ok(h.call("DELETE", member), "delete member")["id"] == "0102030405")
        #expect(try Self.ok(h.call("POST", "\(path)/member/0a0b0c0d0e", ["authorized": true]), "another")["authorized"] == true)
        for id in try #require(try Self.ok(h.call("GET", "\(path)/member"), "members").objectValue).keys {
            #expect(h.call("POST", "\(path)/member/\(id)", ["authorized": false]).status == 200)
        }
        let deleted = try Self.ok(h.call("DELETE", path), "delete network")
        #expect(deleted["nwid"] == .string(nwid) && deleted["name"] == "brave-otter")
        #expect(h.call("GET", path).status == 404)
    }

    /// ztncui (`src/controllers/zt.js`): its pages post forms, so booleans reach the controller as "true"/"false".
    @Test(arguments: StoreKind.allCases)
    func ztncui(kind: StoreKind) throws {
        let h = try H(kind)
        let created = try Self.ok(h.call("POST", "/controller/network/\(F.controller.address)______", ["name": "office"]), "create")
        let nwid = try #require(created["nwid"]?.stringValue)
        let path = "/controller/network/\(nwid)"
        #expect(try Self.ok(h.call("POST", path, ["private": "false"]), "public")["private"] == false)
        #expect(try Self.ok(h.call("POST", path, ["private": "true"]), "private")["private"] == true)
        #expect(try Self.ok(h.call("POST", path, ["v4AssignMode": ["zt": "true"]]), "v4")["v4AssignMode"] == ["zt": true])
        let v6 = try Self.ok(h.call("POST", path, ["v6AssignMode": ["6plane": "true", "rfc4193": "false", "zt": "false"]]), "v6")
        #expect(v6["v6AssignMode"] == ["zt": false, "6plane": true, "rfc4193": false])
        let easy = try Self.ok(h.call("POST", path, [
            "ipAssignmentPools": [["ipRangeStart": "10.147.20.1", "ipRangeEnd": "10.147.20.254"]],
            "routes": [["target": "10.147.20.0/24", "via": nil]], "v4AssignMode": ["zt": true],
        ]), "easy setup")
        #expect(easy["routes"] == [["target": "10.147.20.0/24", "via": nil]] && easy["nwid"] == .string(nwid))
        // Routes: the whole list each time, an IPv6 one with a gateway added.
        var routes = try #require(easy["routes"]?.arrayValue)
        routes.append(["target": "fd00:1234::/32", "via": "10.147.20.1"])
        routes.append(["target": "192.168.5.0/24", "via": "10.147.20.9"])
        let routed = try Self.ok(h.call("POST", path, ["routes": .array(routes)]), "routes")
        #expect(routed["routes"]?.arrayValue?.last == ["target": "192.168.5.0/24", "via": "10.147.20.9"])
        #expect(try Self.ok(h.call("POST", path, ["dns": ["domain": "", "servers": []]]), "dns")["dns"] == ["domain": "", "servers": []])

        let member = "\(path)/member/0102030405"
        #expect(h.call("POST", member, [:]).status == 200)
        #expect(try Self.ok(h.call("POST", member, ["authorized": "true"]), "auth")["authorized"] == true)
        #expect(try Self.ok(h.call("POST", member, ["activeBridge": "false"]), "bridge")["activeBridge"] == false)
        let m = try Self.ok(h.call("GET", member), "member")
        var ips = try #require(m["ipAssignments"]?.arrayValue)
        ips.append("10.147.20.42")
        #expect(try Self.ok(h.call("POST", member, ["ipAssignments": .array(ips)]), "ip add")["ipAssignments"]?.arrayValue?.contains("10.147.20.42") == true)
        #expect(try Self.ok(h.call("POST", member, ["authorized": "false"]), "deauth")["authorized"] == false)
        // Its delete pages read the deleted object back.
        #expect(try Self.ok(h.call("DELETE", member), "delete member")["id"] == "0102030405")
        let deleted = try Self.ok(h.call("DELETE", path), "delete network")
        #expect(deleted["name"] == "office" && deleted["nwid"] == .string(nwid))
    }

    /// zero-ui (`backend/`): its default network (routes with flags and metric, a rule list), `private` as the number
    /// 1 or 0, members added by id, and a member delete raced by a POST that must recreate it deauthorized.
    @Test(arguments: StoreKind.allCases)
    func zeroUI(kind: StoreKind) throws {
        let h = try H(kind)
        let rules: JSON = [
            ["type": "MATCH_ETHERTYPE", "not": true, "or": false, "etherType": 2048],
            ["type": "MATCH_ETHERTYPE", "not": true, "or": false, "etherType": 2054],
            ["type": "MATCH_ETHERTYPE", "not": true, "or": false, "etherType": 34525],
            ["type": "ACTION_DROP"], ["type": "ACTION_ACCEPT"],
        ]
        let created = try Self.ok(h.call("POST", "/controller/network/\(F.controller.address)______", [
            "name": "new-net-12345", "private": true,
            "v6AssignMode": ["rfc4193": false, "6plane": false, "zt": false], "v4AssignMode": ["zt": true],
            "routes": [["target": "172.30.41.0/24", "via": nil, "flags": 0, "metric": 0]],
            "ipAssignmentPools": [["ipRangeStart": "172.30.41.1", "ipRangeEnd": "172.30.41.254"]],
            "enableBroadcast": true, "rules": rules,
        ]), "create")
        let id = try #require(created["id"]?.stringValue)
        #expect(created["routes"] == [["target": "172.30.41.0/24", "via": nil]], "flags and metric are dropped")
        #expect(created["rules"]?.arrayValue?.count == 5)
        #expect(created["rules"]?.arrayValue?[3] == ["type": "ACTION_DROP", "not": false, "or": false])
        let path = "/controller/network/\(id)"
        #expect(try Self.ok(h.call("POST", path, ["private": 0]), "public")["private"] == false)
        #expect(try Self.ok(h.call("POST", path, ["private": 1]), "private")["private"] == true)
        #expect(try Self.ok(h.call("POST", path, ["multicastLimit": 16]), "multicast")["multicastLimit"] == 16)
        #expect(try Self.ok(h.call("POST", path, ["routes": [["target": "172.30.41.0/24"]]]), "route without via")["routes"] == [["target": "172.30.41.0/24", "via": nil]])
        // A member added by id before it ever joined.
        let member = "\(path)/member/0a0b0c0d0e"
        let added = try Self.ok(h.call("POST", member, ["authorized": true]), "add by id")
        #expect(added["authorized"] == true && added["vMajor"] == -1, "never checked in")
        #expect(try Self.ok(h.call("POST", member, ["noAutoAssignIps": true, "activeBridge": true]), "flags")["noAutoAssignIps"] == true)
        // Delete, then (the race lost) the POST that follows: the member is there again, deauthorized and empty.
        #expect(h.call("DELETE", member).status == 200)
        let again = try Self.ok(h.call("POST", member, ["authorized": false, "ipAssignments": [], "capabilities": [], "tags": []]), "recreate")
        #expect(again["authorized"] == false && again["ipAssignments"] == [] && again["noAutoAssignIps"] == false, "a fresh record")
        #expect(try Self.ok(h.call("GET", "\(path)/member"), "members").objectValue?.keys.contains("0a0b0c0d0e") == true)
        #expect(h.call("DELETE", path).status == 200)
    }
}
