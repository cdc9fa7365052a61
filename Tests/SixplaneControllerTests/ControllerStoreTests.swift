import Dispatch
import Foundation
@testable import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

/// The store contract, run against SQLite and PostgreSQL alike.
@Suite struct ControllerStoreTests {
    typealias F = ControllerFixtures

    @Test(arguments: StoreKind.allCases)
    func networksKeepTheirRecordAndCountRevisions(kind: StoreKind) throws {
        let db = try kind.database()
        let store = try db.open()
        let id = F.networkID(1)
        #expect(try store.network(id) == nil)
        #expect(try store.updateNetwork(id, create: false, now: F.now) { _ in } == nil)
        let created = try F.network(store, id, ["name": "one", "private": false])
        #expect(created.revision == 1)
        #expect(created.name == "one" && !created.isPrivate && created.creationTime == F.now)
        // An update that changes nothing leaves the revision alone.
        #expect(try F.network(store, id, ["name": "one"]).revision == 1)
        #expect(try F.network(store, id, ["name": "two"]).revision == 2)
        try F.network(store, F.networkID(0xabc))
        #expect(try store.networkIDs() == [id, F.networkID(0xabc)])
        // A new connection sees the same records.
        let again = try db.open()
        #expect(try again.network(id)?.name == "two")
        #expect(try again.network(id)?.json == (try store.network(id))?.json)
    }

    @Test(arguments: StoreKind.allCases)
    func membersNeedTheirNetworkAndCountRevisions(kind: StoreKind) throws {
        let db = try kind.database()
        let store = try db.open()
        let id = F.networkID(2)
        #expect(try F.member(store, id, F.address(1)) == nil, "no network, no member")
        try F.network(store, id)
        let m = try #require(try F.member(store, id, F.address(1), ["name": "m1"]))
        #expect(m.revision == 1 && !m.authorized && m.name == "m1")
        #expect(try F.member(store, id, F.address(1), ["name": "m1"])?.revision == 1)
        let authorized = try #require(try F.member(store, id, F.address(1), ["authorized": true]))
        #expect(authorized.revision == 2 && authorized.authorized && authorized.lastAuthorizedTime == F.now)
        #expect(try store.updateMember(id, F.address(9), create: false, now: F.now) { _, _ in } == nil)
        for n: UInt64 in 2...5 { try F.member(store, id, F.address(n)) }
        #expect(try store.memberCounts(id) == (5, 1))
        #expect(try store.memberRevisions(id).map(\.0) == (1...5).map { F.address(UInt64($0)) })
        #expect(try store.memberRevisions(id).first?.1 == 2)
        #expect(try store.members(id, offset: 1, limit: 2).map(\.address) == [F.address(2), F.address(3)])
        #expect(try store.members(id, offset: 5, limit: 10).isEmpty)
        #expect(try store.members(id).count == 5)
        // After a key: the next page whatever came or went before it.
        #expect(try store.members(id, after: nil, limit: 2).map(\.address) == [F.address(1), F.address(2)])
        #expect(try store.deleteMember(id, F.address(1))?.address == F.address(1))
        #expect(try store.members(id, after: F.address(2), limit: 2).map(\.address) == [F.address(3), F.address(4)])
        try F.member(store, id, F.address(1))
        #expect(try store.members(id, after: F.address(4), limit: 10).map(\.address) == [F.address(5)])
        #expect(try store.members(id, after: F.address(5), limit: 10).isEmpty)
        #expect(try store.members(id, after: nil, limit: .max).count == 5)
        #expect(try store.deleteMember(id, F.address(5))?.address == F.address(5))
        #expect(try store.deleteMember(id, F.address(5)) == nil)
        #expect(try store.memberCounts(id) == (4, 0), "1 came back unauthorized")
    }

    @Test(arguments: StoreKind.allCases)
    func anAddressBelongsToOneMemberOnly(kind: StoreKind) throws {
        let db = try kind.database()
        let store = try db.open()
        let id = F.networkID(3)
        try F.network(store, id)
        try F.member(store, id, F.address(1), ["ipAssignments": ["10.1.0.1", "fd00::1"]])
        #expect(try store.ipOwner(id, try IPAddress(parsing: "10.1.0.1")) == F.address(1))
        #expect(throws: ControllerError.self) { try F.member(store, id, F.address(2), ["ipAssignments": ["10.1.0.1"]]) }
        // The refused update left nothing behind.
        #expect(try store.member(id, F.address(2)) == nil)
        #expect(try store.ipOwner(id, try IPAddress(parsing: "10.1.0.1")) == F.address(1))
        // Released addresses can be taken.
        try F.member(store, id, F.address(1), ["ipAssignments": ["10.1.0.2"]])
        #expect(try store.ipOwner(id, try IPAddress(parsing: "10.1.0.1")) == nil)
        try F.member(store, id, F.address(2), ["ipAssignments": ["10.1.0.1"]])
        #expect(try store.ipOwner(id, try IPAddress(parsing: "10.1.0.1")) == F.address(2))
        // Deleting a member frees its addresses.
        #expect(try store.deleteMember(id, F.address(2)) != nil)
        #expect(try store.ipOwner(id, try IPAddress(parsing: "10.1.0.1")) == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func deletingANetworkDeletesItsMembers(kind: StoreKind) throws {
        let db = try kind.database()
        let store = try db.open()
        let id = F.networkID(4)
        try F.network(store, id, ["name": "gone"])
        try F.member(store, id, F.address(1), ["ipAssignments": ["10.2.0.1"]])
        #expect(try store.deleteNetwork(id)?.name == "gone")
        #expect(try store.deleteNetwork(id) == nil)
        #expect(try store.network(id) == nil)
        #expect(try store.member(id, F.address(1)) == nil)
        #expect(try store.ipOwner(id, try IPAddress(parsing: "10.2.0.1")) == nil)
        // A network made again with the same id starts empty.
        try F.network(store, id)
        #expect(try store.members(id).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func updatingANetworkKeepsItsMembers(kind: StoreKind) throws {
        let db = try kind.database()
        let store = try db.open()
        let id = F.networkID(8)
        try F.network(store, id)
        try F.member(store, id, F.address(1), ["ipAssignments": ["10.2.0.1"]])
        try F.network(store, id, ["name": "renamed", "private": false])
        #expect(try store.member(id, F.address(1))?.ipAssignments == [try IPAddress(parsing: "10.2.0.1")])
        #expect(try store.ipOwner(id, try IPAddress(parsing: "10.2.0.1")) == F.address(1))
    }

    @Test(arguments: StoreKind.allCases)
    func bulkInsertReplaces(kind: StoreKind) throws {
        let db = try kind.database()
        let store = try db.open()
        let id = F.networkID(5)
        try F.network(store, id)
        var members = (1...300).map { n in
            var m = ControllerMember(network: id, address: F.address(UInt64(n)), creationTime: F.now)
            m.authorized = n % 2 == 0
            m.ipAssignments = [.v4(IPv4Address(rawValue: 0x0a03_0000 + UInt32(n)))]
            m.revision = 1
            return m
        }
        try store.insertMembers(members)
        #expect(try store.memberCounts(id) == (300, 150))
        members[0].name = "replaced"
        try store.insertMembers([members[0]])
        #expect(try store.member(id, F.address(1))?.name == "replaced")
        let fromAnotherConnection = try db.open().members(id), fromThisOne = try store.members(id)
        #expect(fromAnotherConnection.count == 300 && fromThisOne.map(\.json) == fromAnotherConnection.map(\.json))
    }

    /// Writers on separate connections doing read-modify-write on one member: every update lands, and the
    /// revision counts them all.
    @Test(arguments: StoreKind.allCases)
    func concurrentUpdatesToOneMemberLoseNothing(kind: StoreKind) throws {
        let db = try kind.database()
        let setup = try db.open()
        let id = F.networkID(6)
        try F.network(setup, id)
        let base = try #require(try F.member(setup, id, F.address(1))).revision
        let writers = 4, updates = 40
        let stores = try (0..<writers).map { _ in try db.open() }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            for _ in 0..<updates {
                do {
                    _ = try stores[w].updateMember(id, F.address(1), create: false, now: F.now) { m, _ in m.remoteTraceLevel += 1 }
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        #expect(failures.all.isEmpty)
        let m = try #require(try setup.member(id, F.address(1)))
        #expect(m.remoteTraceLevel == Int64(writers * updates))
        #expect(m.revision == base + Int64(writers * updates))
    }

    /// Members asking at once for pool addresses never get the same one, and an exhausted pool says so.
    @Test(arguments: StoreKind.allCases)
    func concurrentPoolAssignmentNeverDuplicates(kind: StoreKind) throws {
        let db = try kind.database()
        let setup = try db.open()
        let id = F.networkID(7)
        try F.network(
            setup, id,
            [
                "v4AssignMode": ["zt": true], "routes": [["target": "10.4.0.0/24"]],
                "ipAssignmentPools": [["ipRangeStart": "10.4.0.1", "ipRangeEnd": "10.4.0.20"]],
            ])
        let network = try #require(try setup.network(id))
        let stores = try (0..<4).map { _ in try db.open() }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { w in
            for n in 0..<10 {
                do {
                    _ = try stores[w].updateMember(id, F.address(UInt64(w * 100 + n)), create: true, now: F.now) { m, taken throws(ControllerError) in
                        m.authorized = true
                        try ConfigBuilder.assignAddresses(&m, network: network, ipTaken: taken, random: { UInt64.random(in: 0 ... .max) })
                    }
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        #expect(failures.all.isEmpty)
        let members = try setup.members(id)
        let assigned = members.flatMap(\.ipAssignments)
        #expect(members.count == 40)
        #expect(Set(assigned).count == assigned.count, "duplicate addresses: \(assigned)")
        // ZeroTier's walk (start + counter mod (end - start)) never reaches the range's last address: 19 of 20.
        #expect(assigned.count == 19)
        #expect(members.filter { $0.ipAssignmentError != nil }.count == 21)
        #expect(members.filter { $0.ipAssignments.isEmpty }.allSatisfy { $0.ipAssignmentError?.contains("IPv4") == true })
    }
}

/// Collects failures from concurrent workers.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ s: String) { lock.withLock { list.append(s) } }
    var all: [String] { lock.withLock { list } }
}
