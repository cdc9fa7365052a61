import Foundation
import GRDB
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

/// The web UI's members table (`/unstable/controller/network/<id>/member` with `sort`, `after`, `limit`, `q`): each
/// order walked page by page equals the whole list sorted in memory, a search finds exactly the members whose
/// address or name starts with it, last seen puts the members that asked first, and bad parameters name themselves.
@Suite struct MemberPageTests {
    typealias F = ControllerFixtures

    static let names = ["alpha", "Alpha", "ALPHA-2", "beta", "Beta", "gamma", "", "", "delta", "éclair", "Zulu", "a1", "aa"]

    /// A network of `count` members with names from `names` (many share one), every third authorized.
    static func seeded(_ h: ControllerAPITests.Harness, count: Int) throws -> (String, [ControllerMember]) {
        let id = try h.network(["name": "paged"])
        let nwid = try NetworkID(hex: id)
        let members = (0..<count).map { i in
            var m = ControllerMember(network: nwid, address: Address(truncating: 0xa0_0000_0000 + UInt64(i) * 7919), creationTime: F.now)
            m.name = names[i % names.count]
            m.authorized = i % 3 == 0
            return m
        }
        try h.api.controller.store.insertMembers(members)
        return (id, members)
    }

    /// Every page of one query, following `meta.next`.
    static func walk(_ h: ControllerAPITests.Harness, _ id: String, _ query: [String: String], pageSize: Int = 37) throws -> (members: [JSON], pages: [JSON]) {
        var members: [JSON] = [], metas: [JSON] = []
        var after: String?
        repeat {
            var q = query
            q["limit"] = String(pageSize)
            q["after"] = after
            let r = h.call("GET", "/unstable/controller/network/\(id)/member", query: q)
            try #require(r.status == 200, "\(r.body.prefix(300))")
            members += try #require(r.json?["data"]?.arrayValue)
            let meta = try #require(r.json?["meta"])
            metas.append(meta)
            after = meta["next"]?.stringValue
            try #require(metas.count < 1000)
        } while after != nil
        return (members, metas)
    }

    @Test(arguments: StoreKind.allCases)
    func eachOrderPagesAsTheListSorted(kind: StoreKind) throws {
        let h = try ControllerAPITests.Harness(kind)
        let (id, members) = try Self.seeded(h, count: 600)
        let byAddress = members.map(\.address.description).sorted()
        let (pages, metas) = try Self.walk(h, id, ["sort": "address"])
        #expect(pages.compactMap { $0["address"]?.stringValue } == byAddress)
        // Counts on the first page only (a COUNT per page would cost a scan per page).
        #expect(metas.first?["totalCount"]?.intValue == 600)
        #expect(metas.first?["authorizedCount"]?.intValue == 200)
        #expect(metas.dropFirst().allSatisfy { $0["totalCount"] == nil })
        #expect(metas.last?["next"] == .null)
        #expect(metas.count == (600 + 36) / 37)

        let byName = members.sorted { ($0.nameKey, $0.address) < ($1.nameKey, $1.address) }.map(\.address.description)
        let named = try Self.walk(h, id, ["sort": "name"]).members
        #expect(named.compactMap { $0["address"]?.stringValue } == byName)
        // Names sort without regard to ASCII case: "alpha", "Alpha" and "ALPHA-2" sit together.
        let keys = named.compactMap { $0["name"]?.stringValue }.map(ControllerMember.nameKey)
        #expect(keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // Each member as ZeroTier writes it, with when it was last seen (never, here) and whether it is online.
        let first = try #require(named.first?.objectValue)
        #expect(first["lastSeen"]?.intValue == 0 && first["online"]?.boolValue == false)
        #expect(Set(first.keys).isSuperset(of: ["id", "address", "nwid", "authorized", "ipAssignments", "revision", "vMajor"]))
    }

    @Test(arguments: StoreKind.allCases)
    func searchMatchesTheStartOfAnAddressOrAName(kind: StoreKind) throws {
        let h = try ControllerAPITests.Harness(kind)
        let (id, members) = try Self.seeded(h, count: 600)
        for (q, sort) in [("alp", "name"), ("ALP", "address"), ("a", "name"), ("a0000", "address"), ("a00001", "name"), ("é", "name"), ("zz", "name"), ("be", "lastSeen")] {
            let key = ControllerMember.nameKey(q)
            let expected = members.filter { $0.nameKey.utf8.starts(with: key.utf8) || $0.address.description.hasPrefix(key) }
            let found = try Self.walk(h, id, ["sort": sort, "q": q], pageSize: 50).members.compactMap { $0["address"]?.stringValue }
            #expect(Set(found) == Set(expected.map(\.address.description)), "q=\(q) sort=\(sort)")
            #expect(found.count == expected.count, "q=\(q): each once")
        }
    }

    /// Members that asked for their config come first, the latest first; the rest follow by address.
    @Test(arguments: StoreKind.allCases)
    func lastSeenPutsTheMembersThatAskedFirst(kind: StoreKind) throws {
        let h = try ControllerAPITests.Harness(kind)
        let (id, members) = try Self.seeded(h, count: 300)
        let nwid = try NetworkID(hex: id)
        #expect(h.call("POST", "/controller/network/\(id)", ["private": false]).status == 200)
        let askers = Array(SimIdentities.all.prefix(5))
        let base = h.now - 60_000
        for (i, identity) in askers.enumerated() {
            h.api.controller.handleConfigRequest(network: nwid, from: identity, metadata: ConfigDictionary(), requestPacketID: 1, now: base + Int64(i) * 1000)
        }
        let (pages, _) = try Self.walk(h, id, ["sort": "lastSeen"], pageSize: 3)
        let order = pages.compactMap { $0["address"]?.stringValue }
        #expect(Array(order.prefix(5)) == askers.reversed().map(\.address.description))
        #expect(Array(order.dropFirst(5)) == members.map(\.address.description).sorted())
        let latest = try #require(pages.first)
        #expect(latest["online"]?.boolValue == true)
        #expect(latest["lastSeen"]?.intValue == base + 4000)
        #expect(pages[5]["online"]?.boolValue == false)
        #expect(Set(order).count == 305)

        // Quiet for an hour: no longer online, still last seen where it was, still first.
        h.now += 3_600_000
        h.api.controller.tick(now: h.now)
        let later = try Self.walk(h, id, ["sort": "lastSeen"], pageSize: 50).members
        #expect(Array(later.prefix(5).compactMap { $0["address"]?.stringValue }) == askers.reversed().map(\.address.description))
        #expect(later.first?["lastSeen"]?.intValue == base + 4000)
        #expect(later.first?["online"]?.boolValue == false)
        // A deleted member is forgotten.
        #expect(h.call("DELETE", "/controller/network/\(id)/member/\(askers[4].address)").status == 200)
        #expect(h.api.controller.lastSeen(nwid)[askers[4].address] == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func badParametersNameTheirField(kind: StoreKind) throws {
        let h = try ControllerAPITests.Harness(kind)
        let (id, _) = try Self.seeded(h, count: 10)
        for (query, field) in [
            (["sort": "size"], "sort"), (["limit": "0"], "limit"), (["limit": "1001"], "limit"), (["limit": "x"], "limit"),
            (["after": "zz"], "after"), (["sort": "name", "after": "a000000000"], "after"), (["sort": "address", "after": "a000000000:x"], "after"),
            (["sort": "lastSeen", "after": "a000000000"], "after"), (["sort": "lastSeen", "after": "-1:a000000000"], "after"),
        ] {
            let r = h.call("GET", "/unstable/controller/network/\(id)/member", query: query)
            #expect(r.status == 400 && r.json?["field"]?.stringValue == field, "\(query): \(r.status) \(r.body)")
        }
        // Without a paging parameter the list is ZeroTier's: every member, no next.
        let whole = h.call("GET", "/unstable/controller/network/\(id)/member")
        #expect(whole.json?["data"]?.arrayValue?.count == 10 && whole.json?["meta"]?["next"] == nil)
        #expect(h.call("GET", "/unstable/controller/network/\(F.networkID(77))/member", query: ["limit": "5"]).status == 404)
    }

    /// The counts the first page and the networks list show are kept by the stores' triggers: right after every
    /// kind of change, and filled for a database made before there were any.
    @Test(arguments: StoreKind.allCases)
    func countsFollowEveryChange(kind: StoreKind) throws {
        let h = try ControllerAPITests.Harness(kind)
        let store = h.api.controller.store
        let (id, members) = try Self.seeded(h, count: 90)
        let nwid = try NetworkID(hex: id)
        func counted() throws -> (Int, Int) {
            let all = try store.members(nwid)
            return (all.count, all.filter(\.authorized).count)
        }
        func check(_ what: String) throws {
            let kept = try store.memberCounts(nwid), real = try counted()
            #expect(kept.total == real.0 && kept.authorized == real.1, "\(what): kept \(kept), real \(real)")
        }
        try check("bulk insert")
        let a = members[1].address, b = members[0].address
        #expect(h.call("POST", "/controller/network/\(id)/member/\(a)", ["authorized": true]).status == 200)
        try check("authorize")
        #expect(h.call("POST", "/controller/network/\(id)/member/\(b)", ["authorized": false]).status == 200)
        try check("deauthorize")
        #expect(h.call("POST", "/controller/network/\(id)/member/\(a)", ["name": "renamed"]).status == 200)
        try check("rename")
        #expect(h.call("POST", "/controller/network/\(id)/member/0eee000001", ["authorized": true]).status == 200)
        try check("new member")
        #expect(h.call("DELETE", "/controller/network/\(id)/member/\(a)").status == 200)
        try check("delete")
        var replaced = members.prefix(30).map { m -> ControllerMember in
            var m = m
            m.authorized.toggle()
            return m
        }
        replaced.append(ControllerMember(network: nwid, address: Address(truncating: 0x0eee_000002), creationTime: F.now))
        try store.insertMembers(replaced)
        try check("bulk replace")
        #expect(try store.memberCounts(nwid).total == 92, "90, one added, one deleted and put back by the bulk insert, one more")
        let listed = h.call("GET", "/unstable/controller/network")
        #expect(listed.json?["data"]?.arrayValue?.first?["meta"]?["totalMemberCount"]?.intValue == 92)
        #expect(h.call("DELETE", "/controller/network/\(id)").status == 200)
        #expect(try store.memberCounts(nwid) == (0, 0))
        try F.network(store, nwid)
        #expect(try store.memberCounts(nwid) == (0, 0), "a network made again starts from none")
        #expect(h.call("POST", "/controller/network/\(id)/member/0eee000003", ["authorized": true]).status == 200)
        try check("after recreating")
    }

    /// A PostgreSQL database from before the counts: filled when a store opens it.
    /// Most servers sort text by a locale, not bytewise (Debian's initdb takes the machine's, Docker images
    /// en_US.UTF-8): the address search must find the same members there as under "C".
    @Test func addressSearchUnderALocaleCollation() throws {
        let url = try PostgresCluster.shared().createDatabase(options: ["--template=template0", "--locale-provider=icu", "--icu-locale=en", "--encoding=UTF8"])
        let store = try PostgresStore(url: url)
        let nwid = F.networkID(7)
        try F.network(store, nwid)
        let members = (0..<300).map { i in
            var m = ControllerMember(network: nwid, address: Address(truncating: 0xa0_0000_0000 + UInt64(i) * 0x1_0001), creationTime: F.now)
            m.name = ["Alpha", "beta", "a0-host", "~tilde", ""][i % 5]
            return m
        }
        try store.insertMembers(members)
        for prefix in ["a", "A0", "a00000", "a00001", "a000010001", "a0-", "al", "B", "ff", "~"] {
            for order in [MemberQuery.Order.address, .name] {
                let query = MemberQuery(order: order, prefix: prefix, limit: 1000)
                let found = Set(try store.members(nwid, matching: query).map(\.address))
                let expected = Set(members.filter(query.matches).map(\.address))
                #expect(found == expected, "q=\(prefix) order=\(order): \(found.count) found, \(expected.count) expected")
                #expect(!expected.isEmpty || ["B", "ff"].contains(prefix), "q=\(prefix) finds something")
            }
        }
    }

    /// A database written before names were indexed, big enough that filling the new column and building its
    /// index take longer than the data path's statement timeout: it opens, filled and indexed, and its next opening
    /// does not refill it.
    @Test func aLargeOlderPostgresDatabaseMigrates() throws {
        let db = try StoreKind.postgres.database()
        let nwid = F.networkID(8)
        do { try F.network(try db.open(), nwid) }
        let name = String(db.location.split(separator: "/").last ?? "")
        let cluster = try PostgresCluster.shared()
        _ = try DatabaseDeadlineTests.psql(cluster, name, """
            DROP INDEX member_by_name; ALTER TABLE member DROP COLUMN name_key;
            INSERT INTO member (network, address, authorized, revision, data)
              SELECT '\(nwid)', lpad(to_hex(i), 10, '0'), i % 2 = 0, 1, json_build_object('address', lpad(to_hex(i), 10, '0'), 'id', lpad(to_hex(i), 10, '0'), 'nwid', '\(nwid)', 'objtype', 'member', 'authorized', i % 2 = 0, 'name', 'Host-' || i)::text
              FROM generate_series(1, 400000) i
            """)
        #expect(try DatabaseDeadlineTests.psql(cluster, name, "SELECT count(*) FROM member").hasPrefix("400000"))
        let store = try db.open()
        #expect(try DatabaseDeadlineTests.psql(cluster, name, "SELECT count(*) FROM member WHERE name_key IS NULL OR name_key <> lower(data::json->>'name')").hasPrefix("0"))
        #expect(try DatabaseDeadlineTests.psql(cluster, name, "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'member' AND column_name = 'name_key'").hasPrefix("NO"))
        let first = try store.members(nwid, matching: MemberQuery(order: .name, prefix: "host-1000", limit: 3))
        #expect(first.map(\.name) == ["Host-1000", "Host-10000", "Host-100000"])
        #expect(try store.memberCounts(nwid) == (400_000, 200_000))
    }

    @Test func anOlderPostgresDatabaseGetsItsCounts() throws {
        let db = try StoreKind.postgres.database()
        let nwid = F.networkID(6)
        do {
            let store = try db.open()
            try F.network(store, nwid)
            var m = ControllerMember(network: nwid, address: Address(truncating: 0xab_0000_0001), creationTime: F.now)
            m.authorized = true
            try store.insertMembers([m, ControllerMember(network: nwid, address: Address(truncating: 0xab_0000_0002), creationTime: F.now)])
        }
        let name = String(db.location.split(separator: "/").last ?? "")
        _ = try DatabaseDeadlineTests.psql(try PostgresCluster.shared(), name, "DROP TABLE member_count; DROP FUNCTION member_count_inserted() CASCADE; DROP FUNCTION member_count_deleted() CASCADE; DROP FUNCTION member_count_updated() CASCADE")
        #expect(try DatabaseDeadlineTests.psql(try PostgresCluster.shared(), name, "SELECT to_regclass('member_count') IS NULL").hasPrefix("t"))
        let store = try db.open()
        #expect(try store.memberCounts(nwid) == (2, 1))
        try store.insertMembers([ControllerMember(network: nwid, address: Address(truncating: 0xab_0000_0003), creationTime: F.now)])
        #expect(try store.memberCounts(nwid) == (3, 1), "and kept from then on")
    }

    /// A database written before names were indexed gets its key column filled on opening.
    @Test func anOlderSQLiteDatabaseGetsItsNameKeys() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("controller.db")
        let nwid = F.networkID(5)
        do {
            let store = try SQLiteStore(path: path)
            try F.network(store, nwid)
        }
        // Rows as the older version wrote them (no name_key), then the migration.
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "DROP INDEX member_by_name")
                try db.execute(sql: "ALTER TABLE member DROP COLUMN name_key")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3-name-key'")
                for (a, name) in [("a000000001", "Zed"), ("a000000002", "alpha"), ("a000000003", "Bravo")] {
                    var m = ControllerMember(network: nwid, address: try Address(hex: a), creationTime: F.now)
                    m.name = name
                    try db.execute(sql: "INSERT INTO member (network, address, authorized, revision, data) VALUES (?, ?, 0, 1, ?)", arguments: [nwid.description, a, m.json.text])
                }
            }
        }
        let store = try SQLiteStore(path: path)
        let page = try store.members(nwid, matching: MemberQuery(order: .name, limit: 10))
        #expect(page.map(\.name) == ["alpha", "Bravo", "Zed"])
        #expect(try store.members(nwid, matching: MemberQuery(order: .name, prefix: "BR", limit: 10)).map(\.name) == ["Bravo"])
    }
}
