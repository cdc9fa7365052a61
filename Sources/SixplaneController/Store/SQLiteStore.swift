import Foundation
import GRDB
import SixplaneCore
import SixplaneJSON
import Synchronization

/// The embedded store: one SQLite file (`<home>/controller.db`) in WAL mode, through GRDB.
///
/// Records are kept as their ZeroTier JSON, with the columns queries need (authorized, revision) and an index of
/// assigned IPs that makes a duplicate assignment impossible (a unique key).
public final class SQLiteStore: ControllerStore {
    let pool: DatabasePool

    /// `busyTimeout` bounds how long a call waits for another process's lock on the file before failing (the
    /// controller then serves its last known state, the API answers 503): keep it well under the API's 3 s.
    ///
    /// `synchronous = FULL`: in WAL mode NORMAL may lose the last commits at a power cut, and a commit the API
    /// acknowledged (a deauthorization) must stay. It costs an fsync per commit; `sixplane bench controller` measures it.
    public init(path: String, busyTimeout: Double = 0.5, synchronous: Synchronous = .full) throws(ControllerError) {
        do {
            var config = Configuration()
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue.uppercased())")
                try db.execute(sql: "PRAGMA foreign_keys = ON")
            }
            config.busyMode = .timeout(busyTimeout)
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch {
            throw ControllerError(.unavailable, "cannot open controller database \(path): \(error)")
        }
    }

    public enum Synchronous: String, Sendable, CaseIterable {
        case full
        /// Faster, and may lose the last commits at a power cut (not at a crash of the process): benchmarks only.
        case normal
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE network (
                        id TEXT PRIMARY KEY NOT NULL,
                        revision INTEGER NOT NULL,
                        data TEXT NOT NULL
                    );
                    CREATE TABLE member (
                        network TEXT NOT NULL REFERENCES network(id) ON DELETE CASCADE,
                        address TEXT NOT NULL,
                        authorized INTEGER NOT NULL,
                        revision INTEGER NOT NULL,
                        data TEXT NOT NULL,
                        PRIMARY KEY (network, address)
                    ) WITHOUT ROWID;
                    CREATE TABLE member_ip (
                        network TEXT NOT NULL,
                        ip TEXT NOT NULL,
                        address TEXT NOT NULL,
                        PRIMARY KEY (network, ip),
                        FOREIGN KEY (network, address) REFERENCES member(network, address) ON DELETE CASCADE
                    ) WITHOUT ROWID;
                    CREATE INDEX member_ip_by_member ON member_ip(network, address);
                    """)
        }
        // Active bridges are listed in every config: find them without reading every member.
        m.registerMigration("v2-active-bridge") { db in
            try db.execute(
                sql: """
                    ALTER TABLE member ADD COLUMN active_bridge INTEGER NOT NULL DEFAULT 0;
                    UPDATE member SET active_bridge = 1 WHERE json_extract(data, '$.activeBridge') = 1;
                    CREATE INDEX member_active_bridge ON member(network) WHERE active_bridge = 1;
                    """)
        }
        // The members table sorts and searches by name: a key column and an index, the key computed as the
        // writes compute it (ControllerMember.nameKey), not by SQLite's lower().
        m.registerMigration("v3-name-key") { db in
            try db.execute(sql: "ALTER TABLE member ADD COLUMN name_key TEXT NOT NULL DEFAULT ''")
            let rows = try Row.fetchAll(db, sql: "SELECT network, address, json_extract(data, '$.name') FROM member WHERE json_extract(data, '$.name') <> ''")
            let update = try db.makeStatement(sql: "UPDATE member SET name_key = ? WHERE network = ? AND address = ?")
            for row in rows {
                let name: String = row[2] ?? ""
                try update.execute(arguments: [ControllerMember.nameKey(name), row[0] as String, row[1] as String])
            }
            try db.execute(sql: "CREATE INDEX member_by_name ON member(network, name_key, address)")
        }
        // Member counts kept by triggers: the UI's first page and the networks list need them, and counting a
        // million rows costs about 0.4 s.
        m.registerMigration("v4-member-count") { db in
            try db.execute(
                sql: """
                    CREATE TABLE member_count (
                        network TEXT PRIMARY KEY NOT NULL REFERENCES network(id) ON DELETE CASCADE,
                        total INTEGER NOT NULL,
                        authorized INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    INSERT INTO member_count SELECT network, COUNT(*), SUM(authorized) FROM member GROUP BY network;
                    CREATE TRIGGER member_count_insert AFTER INSERT ON member BEGIN
                        INSERT INTO member_count VALUES (NEW.network, 1, NEW.authorized)
                        ON CONFLICT(network) DO UPDATE SET total = total + 1, authorized = authorized + excluded.authorized;
                    END;
                    CREATE TRIGGER member_count_delete AFTER DELETE ON member BEGIN
                        UPDATE member_count SET total = total - 1, authorized = authorized - OLD.authorized WHERE network = OLD.network;
                    END;
                    CREATE TRIGGER member_count_update AFTER UPDATE OF authorized ON member WHEN NEW.authorized <> OLD.authorized BEGIN
                        UPDATE member_count SET authorized = authorized + NEW.authorized - OLD.authorized WHERE network = NEW.network;
                    END;
                    """)
        }
        return m
    }

    /// Reads without wrapping them in a transaction (each statement is its own): the hot reads are single
    /// statements, or (member updates) re-checked inside the write transaction before anything is written.
    private func read<T>(_ body: (Database) throws -> T) throws(ControllerError) -> T {
        do { return try pool.unsafeRead(body) } catch let e as ControllerError { throw e } catch {
            throw ControllerError(.unavailable, "controller database read failed: \(error)")
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(ControllerError) -> T {
        do { return try pool.write(body) } catch let e as ControllerError { throw e } catch {
            throw ControllerError(.unavailable, "controller database write failed: \(error)")
        }
    }

    private static func decode(_ text: String) throws(ControllerError) -> JSON { try MemberUpdate.decode(text) }

    // Hot statements are prepared once per connection (GRDB's cache): compiling SQL costs more than running it.
    private static func one(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    private static func run(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// Parsed networks by revision: every config request needs its network, which rarely changes.
    private let networks = NetworkCache()

    public func network(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork? {
        let cachedRevision = networks.revision(id)
        let row: (Int64, String?)? = try read { db in
            let statement = try db.cachedStatement(sql: "SELECT revision, CASE WHEN revision = ? THEN NULL ELSE data END FROM network WHERE id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [cachedRevision, id.description]) else { return nil }
            return (row[0], row[1])
        }
        return try networks.resolve(id, row: row)
    }

    public func networkIDs() throws(ControllerError) -> [NetworkID] {
        try read { db in try String.fetchAll(db, sql: "SELECT id FROM network ORDER BY id") }.compactMap { try? NetworkID(hex: $0) }
    }

    public func updateNetwork(
        _ id: NetworkID, create: Bool, now: Int64, _ change: (inout ControllerNetwork) throws(ControllerError) -> Void
    ) throws(ControllerError) -> ControllerNetwork? {
        try write { db in
            let existing = try String.fetchOne(db, sql: "SELECT data FROM network WHERE id = ?", arguments: [id.description])
            let current: ControllerNetwork
            if let existing {
                current = try ControllerNetwork(json: try Self.decode(existing))
            } else {
                guard create else { return nil }
                current = ControllerNetwork(id: id, creationTime: now)
            }
            let (updated, changed) = try Revisions.apply(current, isNew: existing == nil, change)
            if changed || existing == nil {
                try db.execute(
                    // An upsert, not INSERT OR REPLACE: a replace deletes the row, and the delete cascades to members.
                    sql: """
                        INSERT INTO network (id, revision, data) VALUES (?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET revision = excluded.revision, data = excluded.data
                        """,
                    arguments: [id.description, updated.revision, updated.json.text])
            }
            return updated
        }
    }

    public func deleteNetwork(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork? {
        networks.forget(id)
        return try write { db in
            guard let text = try String.fetchOne(db, sql: "SELECT data FROM network WHERE id = ?", arguments: [id.description]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM network WHERE id = ?", arguments: [id.description])
            return try ControllerNetwork(json: try Self.decode(text))
        }
    }

    public func member(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember? {
        let text: String? = try read { db in
            try String.fetchOne(db, sql: "SELECT data FROM member WHERE network = ? AND address = ?", arguments: [network.description, address.description])
        }
        guard let text else { return nil }
        return try ControllerMember(json: try Self.decode(text))
    }

    public func memberState(_ network: NetworkID, _ address: Address) throws(ControllerError) -> (revision: Int64, authorized: Bool)? {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT revision, authorized FROM member WHERE network = ? AND address = ?")
            guard let row = try Row.fetchOne(statement, arguments: [network.description, address.description]) else { return nil }
            return (row[0], row[1])
        }
    }

    public func members(_ network: NetworkID, offset: Int, limit: Int) throws(ControllerError) -> [ControllerMember] {
        let texts: [String] = try read { db in
            try String.fetchAll(
                db, sql: "SELECT data FROM member WHERE network = ? ORDER BY address LIMIT ? OFFSET ?",
                arguments: [network.description, limit == .max ? -1 : limit, offset])
        }
        var out: [ControllerMember] = []
        for t in texts { out.append(try ControllerMember(json: try Self.decode(t))) }
        return out
    }

    public func members(_ network: NetworkID, matching query: MemberQuery) throws(ControllerError) -> [ControllerMember] {
        let (sql, arguments, limit) = query.sql(network: network) { _ in "?" }
        let texts: [String] = try read { db in
            try String.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments.map { $0 as any DatabaseValueConvertible } + [limit]))
        }
        var out: [ControllerMember] = []
        for t in texts { out.append(try ControllerMember(json: try Self.decode(t))) }
        return out
    }

    public func memberRevisions(_ network: NetworkID) throws(ControllerError) -> [(Address, Int64)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT address, revision FROM member WHERE network = ? ORDER BY address", arguments: [network.description])
                .compactMap { row -> (Address, Int64)? in
                    guard let a = try? Address(hex: row["address"] as String) else { return nil }
                    return (a, row["revision"])
                }
        }
    }

    public func memberCounts(_ network: NetworkID) throws(ControllerError) -> (total: Int, authorized: Int) {
        try read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT total AS t, authorized AS a FROM member_count WHERE network = ?",
                arguments: [network.description])
            return (row?["t"] ?? 0, row?["a"] ?? 0)
        }
    }

    public func updateMember(
        _ network: NetworkID, _ address: Address, create: Bool, now: Int64, _ change: MemberChange
    ) throws(ControllerError) -> ControllerMember? {
        // Most calls (config requests) change nothing: decide that in a read transaction, which does not wait for
        // the writer, and write only when needed, re-reading inside the write transaction.
        let unchanged: ControllerMember?? = try read { db in
            guard let outcome = try Self.memberUpdate(db, network, address, create: create, now: now, change) else { return ControllerMember??.some(nil) }
            if outcome.write { return ControllerMember??.none }
            return .some(outcome.result)
        }
        if let unchanged { return unchanged }
        return try write { db in
            guard let outcome = try Self.memberUpdate(db, network, address, create: create, now: now, change) else { return nil }
            if outcome.write { try Self.writeMember(outcome.result, db: db) }
            return outcome.result
        }
    }

    private static func memberUpdate(
        _ db: Database, _ network: NetworkID, _ address: Address, create: Bool, now: Int64, _ change: MemberChange
    ) throws -> MemberUpdate.Outcome? {
        let n = network.description
        return try MemberUpdate.run(
            network: network, address: address, create: create, now: now,
            existing: try one(db, "SELECT data FROM member WHERE network = ? AND address = ?", [n, address.description]),
            networkExists: { try one(db, "SELECT id FROM network WHERE id = ?", [n]) != nil },
            ipOwner: { ip in try one(db, "SELECT address FROM member_ip WHERE network = ? AND ip = ?", [n, ip.description]) },
            change: change)
    }

    private static func writeMember(_ m: ControllerMember, db: Database) throws {
        let n = m.network.description, a = m.address.description
        try run(
            db,
            """
            INSERT INTO member (network, address, authorized, active_bridge, name_key, revision, data) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(network, address) DO UPDATE
            SET authorized = excluded.authorized, active_bridge = excluded.active_bridge, name_key = excluded.name_key,
                revision = excluded.revision, data = excluded.data
            """,
            [n, a, m.authorized ? 1 : 0, m.activeBridge ? 1 : 0, m.nameKey, m.revision, m.json.text])
        try run(db, "DELETE FROM member_ip WHERE network = ? AND address = ?", [n, a])
        for ip in m.ipAssignments {
            if let owner = try one(db, "SELECT address FROM member_ip WHERE network = ? AND ip = ?", [n, ip.description]) {
                throw ControllerError(.badRequest, "\(ip) is already assigned to \(owner)", field: "ipAssignments")
            }
            try run(db, "INSERT INTO member_ip (network, ip, address) VALUES (?, ?, ?)", [n, ip.description, a])
        }
    }

    public func deleteMember(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember? {
        try write { db in
            let n = network.description, a = address.description
            guard let text = try String.fetchOne(db, sql: "SELECT data FROM member WHERE network = ? AND address = ?", arguments: [n, a]) else {
                return nil
            }
            try db.execute(sql: "DELETE FROM member WHERE network = ? AND address = ?", arguments: [n, a])
            return try ControllerMember(json: try Self.decode(text))
        }
    }

    public func activeBridges(_ network: NetworkID) throws(ControllerError) -> [Address] {
        try read { db in
            try String.fetchAll(
                db, sql: "SELECT address FROM member WHERE network = ? AND active_bridge = 1 AND authorized = 1 ORDER BY address",
                arguments: [network.description])
        }.compactMap { try? Address(hex: $0) }
    }

    public func ipOwner(_ network: NetworkID, _ ip: IPAddress) throws(ControllerError) -> Address? {
        let text: String? = try read { db in
            try String.fetchOne(db, sql: "SELECT address FROM member_ip WHERE network = ? AND ip = ?", arguments: [network.description, ip.description])
        }
        return text.flatMap { try? Address(hex: $0) }
    }

    public func insertNetwork(_ network: ControllerNetwork) throws(ControllerError) {
        networks.forget(network.id)
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO network (id, revision, data) VALUES (?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET revision = excluded.revision, data = excluded.data
                    """,
                arguments: [network.id.description, network.revision, network.json.text])
        }
    }

    public func insertMembers(_ members: [ControllerMember]) throws(ControllerError) {
        try write { db in
            for m in members { try Self.writeMember(m, db: db) }
        }
    }
}
