import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

/// What the controller answers a member's config request (§8.4), against both stores.
@Suite struct ControllerAnswerTests {
    typealias F = ControllerFixtures

    final class Harness {
        let db: StoreKind.Database
        let store: ControllerStore
        let controller: Controller
        let api: ControllerAPI
        let network = F.networkID(0x6b1)
        var now = F.now

        init(_ kind: StoreKind, _ fields: JSON = [:]) throws {
            db = try kind.database()
            store = try db.open()
            controller = Controller(identity: F.controller, store: store)
            api = ControllerAPI(controller: controller)
            post("/controller/network/\(network)", fields)
        }

        @discardableResult
        func post(_ path: String, _ body: JSON) -> ControllerAPI.Response {
            now += 1
            let r = api.handle(.init(method: "POST", path: path, body: Data(body.text.utf8)), now: now)
            #expect(r.status == 200, "\(path): \(r.body)")
            return r
        }

        func authorize(_ member: Identity, _ fields: JSON = ["authorized": true]) {
            post("/controller/network/\(network)/member/\(member.address)", fields)
        }

        func ask(_ member: Identity, network: NetworkID? = nil, metadata: ConfigDictionary = CapturedConfigs.metadata) -> Controller.Answer {
            now += 1
            return controller.answer(network: network ?? self.network, requester: member.publicOnly, metadata: metadata, now: now)
        }

        func config(_ member: Identity) throws -> NetworkConfig {
            let answer = ask(member)
            guard case .config(let c) = answer else { throw NoConfig(answer: answer) }
            return c
        }
    }

    struct NoConfig: Error {
        var answer: Controller.Answer
    }

    static let sixPlaneNetwork: JSON = [
        "name": "plane", "v6AssignMode": ["6plane": true, "rfc4193": true, "zt": false], "v4AssignMode": ["zt": true],
        "routes": [["target": "10.7.0.0/24"]], "ipAssignmentPools": [["ipRangeStart": "10.7.0.1", "ipRangeEnd": "10.7.0.200"]],
    ]

    @Test(arguments: StoreKind.allCases)
    func aMemberNotAuthorizedIsDeniedAndRecorded(kind: StoreKind) throws {
        let h = try Harness(kind)
        let m = SimIdentities.all[10]
        #expect(h.ask(m) == .refused(.networkAccessDenied))
        let record = try #require(try h.store.member(h.network, m.address))
        #expect(!record.authorized && record.identity == m.publicOnly.description && record.ipAssignments.isEmpty)
        #expect(h.controller.refused == 1 && h.controller.answered == 0)
        // Once authorized through the API, it gets a config.
        h.authorize(m)
        #expect(try h.config(m).issuedTo == m.address)
    }

    @Test(arguments: StoreKind.allCases)
    func networksItDoesNotHaveOrOwnAreNotFound(kind: StoreKind) throws {
        let h = try Harness(kind)
        let m = SimIdentities.all[10]
        #expect(h.ask(m, network: F.networkID(0x999)) == .refused(.objectNotFound))
        #expect(h.ask(m, network: NetworkID(controller: SimIdentities.all[3].address, number: 0x6b1)) == .refused(.objectNotFound))
        #expect(try h.store.member(F.networkID(0x999), m.address) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func publicNetworksAuthorizeEveryone(kind: StoreKind) throws {
        let h = try Harness(kind, ["private": false])
        let m = SimIdentities.all[11]
        let c = try h.config(m)
        #expect(c.type == 1)
        let record = try #require(try h.store.member(h.network, m.address))
        #expect(record.authorized && record.lastAuthorizedCredentialType == "public" && record.vMajor == 1 && record.vMinor == 14)
    }

    @Test(arguments: StoreKind.allCases)
    func tokensAuthorizeUntilTheyExpire(kind: StoreKind) throws {
        let h = try Harness(kind, ["authTokens": ["forever": 0, "old": .int(F.now - 1), "later": .int(F.now + 1_000_000)]])
        func metadata(_ token: String) -> ConfigDictionary {
            var d = CapturedConfigs.metadata
            d.append("a", string: "token:\(token)")
            return d
        }
        #expect(h.ask(SimIdentities.all[12], metadata: metadata("forever")) != .refused(.networkAccessDenied))
        #expect(h.ask(SimIdentities.all[13], metadata: metadata("later")) != .refused(.networkAccessDenied))
        #expect(h.ask(SimIdentities.all[14], metadata: metadata("old")) == .refused(.networkAccessDenied))
        #expect(h.ask(SimIdentities.all[15], metadata: metadata("wrong")) == .refused(.networkAccessDenied))
        let record = try #require(try h.store.member(h.network, SimIdentities.all[12].address))
        #expect(record.lastAuthorizedCredentialType == "token" && record.lastAuthorizedCredential == "forever")
    }

    /// 6PLANE, RFC4193 and a pool address, each inside its route, all owned by the member's certificate.
    @Test(arguments: StoreKind.allCases)
    func configsCarryTheAssignedAddresses(kind: StoreKind) throws {
        let h = try Harness(kind, Self.sixPlaneNetwork)
        let m = SimIdentities.all[16]
        h.authorize(m)
        let c = try h.config(m)
        let sixPlane = SixPlane(network: h.network, node: m.address).assignedAddress
        let rfc = RFC4193(network: h.network, node: m.address).assignedAddress
        let v4 = try #require(c.staticIPs.first { $0.address.bitWidth == 32 })
        #expect(c.staticIPs == [rfc, sixPlane, v4])
        let route = try IPPrefix(parsing: "10.7.0.0/24")
        #expect(v4.length == 24 && route.contains(v4.address))
        #expect(c.flags & NetworkConfig.flagIPv6NDPEmulation != 0)
        #expect(c.name == "plane" && c.routes.count == 1)
        let com = try #require(c.com)
        #expect(com.verify(controller: F.controller))
        let coo = try #require(c.ownerships.first)
        #expect(coo.verify(controller: F.controller))
        for ip in c.staticIPs { #expect(coo.owns(ip.address)) }
        // The pool address is recorded and stays the member's.
        #expect(try h.store.member(h.network, m.address)?.ipAssignments == [v4.address])
        #expect(try h.config(m).staticIPs == c.staticIPs)
        #expect(try h.store.ipOwner(h.network, v4.address) == m.address)
    }

    @Test(arguments: StoreKind.allCases)
    func noAutoAssignIpsKeepsOnlyManualAddresses(kind: StoreKind) throws {
        let h = try Harness(kind, Self.sixPlaneNetwork)
        let m = SimIdentities.all[17]
        h.authorize(m, ["authorized": true, "noAutoAssignIps": true, "ipAssignments": ["10.7.0.250"]])
        let c = try h.config(m)
        #expect(c.staticIPs == [try IPPrefix(parsing: "10.7.0.250/24")])
        #expect(try h.store.member(h.network, m.address)?.ipAssignments == [try IPAddress(parsing: "10.7.0.250")])
    }

    /// A pool with room for two: the third member gets a config without an address from it, and its record says
    /// why; nobody shares an address.
    @Test(arguments: StoreKind.allCases)
    func anExhaustedPoolIsReportedOnTheMember(kind: StoreKind) throws {
        let h = try Harness(
            kind,
            [
                "v4AssignMode": ["zt": true], "routes": [["target": "10.8.0.0/24"]],
                "ipAssignmentPools": [["ipRangeStart": "10.8.0.1", "ipRangeEnd": "10.8.0.3"]],
            ])
        let members = SimIdentities.all[20..<23]
        for m in members { h.authorize(m) }
        var addresses: [IPAddress] = []
        for m in members { addresses += try h.config(m).staticIPs.map(\.address) }
        #expect(addresses.count == 2 && Set(addresses).count == 2)
        let records = try members.map { try #require(try h.store.member(h.network, $0.address)) }
        let without = try #require(records.first { $0.ipAssignments.isEmpty })
        #expect(without.ipAssignmentError == "no free address in the IPv4 pools")
        #expect(records.filter { $0.ipAssignmentError != nil }.count == 1)
        // The error shows in the API, and clears once the pool grows.
        let path = "/controller/network/\(h.network)/member/\(without.address)"
        #expect(h.api.handle(.init(method: "GET", path: path), now: h.now).json?["ipAssignmentError"] != nil)
        h.post("/controller/network/\(h.network)", ["ipAssignmentPools": [["ipRangeStart": "10.8.0.1", "ipRangeEnd": "10.8.0.9"]]])
        let member = try #require(members.first { $0.address == without.address })
        #expect(try h.config(member).staticIPs.count == 1)
        #expect(try h.store.member(h.network, member.address)?.ipAssignmentError == nil)
    }

    /// Someone presenting another identity under a member's address is refused.
    @Test(arguments: StoreKind.allCases)
    func anIdentityCollisionIsDenied(kind: StoreKind) throws {
        let h = try Harness(kind, ["private": false])
        let real = SimIdentities.all[24]
        _ = try h.config(real)
        let other = SimIdentities.all[25]
        let impostor = try Identity(address: real.address, publicKey: other.publicKey)
        #expect(h.ask(impostor) == .refused(.networkAccessDenied))
        #expect(try h.store.member(h.network, real.address)?.identity == real.publicOnly.description)
    }

    /// Rules, tags and capabilities are issued as the network and member say; old members get plain ACCEPT.
    @Test(arguments: StoreKind.allCases)
    func rulesTagsAndCapabilitiesAreIssued(kind: StoreKind) throws {
        let h = try Harness(
            kind,
            [
                "rules": [["type": "MATCH_ETHERTYPE", "etherType": 2048, "not": true], ["type": "ACTION_DROP"], ["type": "ACTION_ACCEPT"]],
                "tags": [["id": 1000, "default": 7]],
                "capabilities": [["id": 99, "rules": [["type": "ACTION_ACCEPT"]]]],
            ])
        let m = SimIdentities.all[26]
        h.authorize(m, ["authorized": true, "capabilities": [99], "tags": [[2000, 5]]])
        let c = try h.config(m)
        #expect(c.rules.count == 3)
        #expect(c.tags.map(\.id) == [1000, 2000] && c.tags.map(\.value) == [7, 5])
        #expect(c.tags.allSatisfy { $0.verify(controller: F.controller) })
        #expect(c.capabilities.map(\.id) == [99])
        guard case .config(let legacy) = h.ask(m, metadata: try ConfigDictionary(parsing: Self.without("revr", CapturedConfigs.metadata))) else {
            Issue.record("no config")
            return
        }
        #expect(legacy.rules == [.accept] && legacy.tags.isEmpty)
    }

    static func without(_ key: String, _ d: ConfigDictionary) -> [UInt8] {
        var out = ConfigDictionary()
        for k in d.keys where k != key { out.append(k, d[k]!) }
        return out.encoded
    }
}

/// A member asking again, with nothing changed, soon after, gets the same signed answer; any change anywhere
/// (even through another store connection, as another process would make it) gets a fresh one.
@Suite struct AnswerReuseTests {
    typealias H = ControllerAnswerTests.Harness

    static func chunks(_ r: Controller.Response) -> [NetworkConfigChunk]? {
        if case .config(_, let chunks) = r { chunks } else { nil }
    }

    @Test(arguments: StoreKind.allCases)
    func repeatsAreReusedUntilSomethingChanges(kind: StoreKind) throws {
        let h = try H(kind, ControllerAnswerTests.sixPlaneNetwork)
        let m = SimIdentities.all[40]
        h.authorize(m)
        let metadata = CapturedConfigs.metadata
        let first = try #require(Self.chunks(h.controller.respond(network: h.network, requester: m.publicOnly, metadata: metadata, now: h.now)))
        let again = try #require(Self.chunks(h.controller.respond(network: h.network, requester: m.publicOnly, metadata: metadata, now: h.now + 5_000)))
        #expect(again == first && h.controller.reused == 1)
        // Past the window: fresh.
        let later = try #require(Self.chunks(h.controller.respond(network: h.network, requester: m.publicOnly, metadata: metadata, now: h.now + 61_000)))
        #expect(later != first && h.controller.reused == 1)
        // Another connection (another process) renames the network: fresh, with the new name.
        let other = try h.db.open()
        _ = try other.updateNetwork(h.network, create: false, now: h.now) { (n) throws(ControllerError) in n.name = "renamed" }
        guard case .config(let renamed, _) = h.controller.respond(network: h.network, requester: m.publicOnly, metadata: metadata, now: h.now + 62_000) else {
            Issue.record("no config")
            return
        }
        #expect(renamed.name == "renamed" && h.controller.reused == 1)
        // Another connection deauthorizes the member: refused, not reused.
        _ = try other.updateMember(h.network, m.address, create: false, now: h.now) { mm, _ throws(ControllerError) in try mm.apply(["authorized": false], now: h.now) }
        #expect(h.controller.answer(network: h.network, requester: m.publicOnly, metadata: metadata, now: h.now + 63_000) == .refused(.networkAccessDenied))
        // Different metadata never reuses. (A different identity with the same address is a collision, refused.)
        h.authorize(m)
        _ = h.controller.respond(network: h.network, requester: m.publicOnly, metadata: metadata, now: h.now + 64_000)
        var newer = CapturedConfigs.metadata
        newer.append("x", integer: 1)
        _ = h.controller.respond(network: h.network, requester: m.publicOnly, metadata: newer, now: h.now + 64_001)
        #expect(h.controller.reused == 1)
    }
}
