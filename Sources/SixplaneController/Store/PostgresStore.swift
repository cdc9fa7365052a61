import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import SixplaneCore

/// The shared store: PostgreSQL through postgres-nio, for several controller processes (same identity) on one
/// database. Every write sends a NOTIFY, so each process learns what the others changed and pushes configs to its
/// own online members.
///
/// Calls block the calling thread on a private event loop (never the caller's), one at a time on one connection;
/// a dropped connection is re-opened on the next call, and the missed notifications are reported as `.unknown`.
public final class PostgresStore: ControllerStore, @unchecked Sendable {
    public struct Location: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        /// A folder holding the server's Unix socket, instead of host and port.
        public var socketDirectory: String?

        /// Parses `postgresql://user[:password]@host[:port]/database[?host=/socket/dir]` (also `postgres://`).
        public init(url: String) throws(ControllerError) {
            guard let c = URLComponents(string: url), c.scheme == "postgresql" || c.scheme == "postgres" else {
                throw ControllerError(.badRequest, "not a postgresql:// URL: \(url)", field: "controller-db")
            }
            let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
            guard !database.isEmpty else { throw ControllerError(.badRequest, "the URL names no database: \(url)", field: "controller-db") }
            host = c.host ?? "localhost"
            port = c.port ?? 5432
            user = c.user ?? "postgres"
            password = c.password
            self.database = database
            socketDirectory = c.queryItems?.first { $0.name == "host" }?.value
        }

        /// A connected channel: TCP with keepalive and a user timeout, so that a half-open connection (the server's
        /// host gone, its packets dropped) is noticed within seconds rather than hours, or the server's Unix socket.
        func channel(on loop: any EventLoop) -> EventLoopFuture<any Channel> {
            let bootstrap = ClientBootstrap(group: loop).connectTimeout(PostgresStore.connectTimeout)
            if let socketDirectory { return bootstrap.connect(unixDomainSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)") }
            let tcp = SocketOptionLevel(IPPROTO_TCP)
            return bootstrap
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelOption(.socket(tcp, SocketOptionName(TCP_KEEPIDLE)), value: 5)
                .channelOption(.socket(tcp, SocketOptionName(TCP_KEEPINTVL)), value: 2)
                .channelOption(.socket(tcp, SocketOptionName(TCP_KEEPCNT)), value: 3)
                // Data unacknowledged this long (ms) fails the connection.
                .channelOption(.socket(tcp, SocketOptionName(18 /* TCP_USER_TIMEOUT */)), value: 5000)
                .connect(host: host, port: port)
        }

        func configuration(_ channel: any Channel) -> PostgresConnection.Configuration {
            .init(establishedChannel: channel, username: user, password: password, database: database)
        }
    }

    /// Bounds on every wait, so that a hung, unreachable or locked database costs a caller seconds, never forever:
    /// the server cancels a statement after `statementTimeout` (and a lock wait after `lockTimeout`); the client gives
    /// up on any reply after `replyTimeout` and drops the connection.
    static let connectTimeout = TimeAmount.milliseconds(1500)
    /// The TCP connection and PostgreSQL's startup exchange together.
    static let handshakeTimeout = TimeAmount.milliseconds(2000)
    static let replyTimeout = TimeAmount.milliseconds(2000)
    static let statementTimeoutMilliseconds = 1500
    static let lockTimeoutMilliseconds = 1000

    static let channel = "sixplane_controller"

    public let location: Location
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let logger: Logger
    /// Tells this process's own notifications from the others'.
    let instance = UUID().uuidString.prefix(8).lowercased()
    /// Guards `connection` and serializes calls (one query at a time on the connection).
    private let lock = NIOLock()
    private var connection: PostgresConnection?
    private var everConnected = false
    /// After a failed connect or a reply that never came, calls fail at once for a while instead of each waiting
    /// for the timeouts again.
    private var retryAfter: NIODeadline = .uptimeNanoseconds(0)
    static let reconnectBackoff = TimeAmount.seconds(2)
    private let pending = NIOLockedValueBox(Pending())

    struct Pending {
        var changes: [ExternalChange] = []
        var wake: (@Sendable () -> Void)?
    }

    /// Connects and migrates the schema; fails if the server cannot be reached.
    public init(location: Location, logger: Logger = Logger(label: "sixplane.controller.postgres")) throws(ControllerError) {
        self.location = location
        self.logger = logger
        try withConnection { c in
            try Self.run(c, "SELECT pg_advisory_lock(7236189)")
            defer { _ = try? Self.run(c, "SELECT pg_advisory_unlock(7236189)") }
            // Migrating a million members (filling a column, building an index) takes seconds: longer than the
            // timeout that guards the data path's statements, which would cancel it on every start.
            try Self.run(c, "SET statement_timeout = 0")
            defer { _ = try? Self.run(c, PostgresQuery(unsafeSQL: "SET statement_timeout = \(Self.statementTimeoutMilliseconds)")) }
            for statement in Self.schema { try Self.run(c, PostgresQuery(unsafeSQL: statement), timeout: Self.migrationTimeout) }
        }
    }

    public convenience init(url: String) throws(ControllerError) {
        try self.init(location: try Location(url: url))
    }

    deinit {
        let c = lock.withLock { connection }
        // The last reference may go on the store's own event loop (a callback's capture released there), where
        // waiting would deadlock: close and shut down without waiting then.
        let loop = c?.eventLoop ?? group.next()
        guard !loop.inEventLoop else {
            _ = c?.close() as EventLoopFuture<Void>?
            group.shutdownGracefully { _ in }
            return
        }
        try? c?.close().wait()
        try? group.syncShutdownGracefully()
    }

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS network (
            id TEXT PRIMARY KEY,
            revision BIGINT NOT NULL,
            data TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS member (
            network TEXT NOT NULL REFERENCES network(id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            authorized BOOLEAN NOT NULL,
            revision BIGINT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (network, address)
        )
        """,
        """
        CREATE TABLE IF NOT EXISTS member_ip (
            network TEXT NOT NULL,
            ip TEXT NOT NULL,
            address TEXT NOT NULL,
            PRIMARY KEY (network, ip),
            FOREIGN KEY (network, address) REFERENCES member(network, address) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX IF NOT EXISTS member_ip_by_member ON member_ip(network, address)",
        // Active bridges are listed in every config: find them without reading every member.
        "ALTER TABLE member ADD COLUMN IF NOT EXISTS active_bridge BOOLEAN NOT NULL DEFAULT false",
        "CREATE INDEX IF NOT EXISTS member_active_bridge ON member(network) WHERE active_bridge",
        // The members table sorts and searches by name: a key compared bytewise (COLLATE "C", whatever the
        // database's locale) with ASCII letters lowercased as ControllerMember.nameKey does.
        // One block (one transaction), and only while the column is missing or still nullable: a database already
        // migrated pays no scan of its members on every start, and one stopped half-way is finished next time.
        """
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name = 'member' AND column_name = 'name_key'
                           AND is_nullable = 'NO') THEN
            ALTER TABLE member ADD COLUMN IF NOT EXISTS name_key TEXT COLLATE "C";
            UPDATE member SET name_key = coalesce(translate(data::json->>'name', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
              'abcdefghijklmnopqrstuvwxyz'), '') WHERE name_key IS NULL;
            ALTER TABLE member ALTER COLUMN name_key SET DEFAULT '';
            ALTER TABLE member ALTER COLUMN name_key SET NOT NULL;
          END IF;
        END $$
        """,
        "CREATE INDEX IF NOT EXISTS member_by_name ON member(network, name_key, address)",
        // Member counts kept by a trigger (counting a million rows costs a scan). Made, filled and armed in one
        // block with writers held off, so that no change falls between the fill and the trigger.
        """
        DO $$ BEGIN
          IF to_regclass('member_count') IS NULL THEN
            LOCK TABLE member IN SHARE ROW EXCLUSIVE MODE;
            CREATE TABLE member_count (
              network TEXT PRIMARY KEY REFERENCES network(id) ON DELETE CASCADE,
              total BIGINT NOT NULL,
              authorized BIGINT NOT NULL
            );
            INSERT INTO member_count SELECT network, COUNT(*), COUNT(*) FILTER (WHERE authorized) FROM member GROUP BY network;
            -- Statement triggers over the changed rows (transition tables): a bulk insert of 10,000 members updates
            -- each network's row once, not 10,000 times.
            CREATE FUNCTION member_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN
              INSERT INTO member_count SELECT network, COUNT(*), COUNT(*) FILTER (WHERE authorized) FROM new_rows GROUP BY network
              ON CONFLICT (network) DO UPDATE SET total = member_count.total + EXCLUDED.total,
                authorized = member_count.authorized + EXCLUDED.authorized;
              RETURN NULL;
            END $f$;
            CREATE FUNCTION member_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN
              UPDATE member_count c SET total = c.total - d.n, authorized = c.authorized - d.a
              FROM (SELECT network, COUNT(*) AS n, COUNT(*) FILTER (WHERE authorized) AS a FROM old_rows GROUP BY network) d
              WHERE c.network = d.network;
              RETURN NULL;
            END $f$;
            CREATE FUNCTION member_count_updated() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN
              UPDATE member_count c SET authorized = c.authorized + d.a
              FROM (SELECT n.network, SUM(n.authorized::int - o.authorized::int) AS a FROM new_rows n
                    JOIN old_rows o ON o.network = n.network AND o.address = n.address GROUP BY n.network) d
              WHERE c.network = d.network AND d.a <> 0;
              RETURN NULL;
            END $f$;
            CREATE TRIGGER member_count_inserted AFTER INSERT ON member REFERENCING NEW TABLE AS new_rows
              FOR EACH STATEMENT EXECUTE FUNCTION member_count_inserted();
            CREATE TRIGGER member_count_deleted AFTER DELETE ON member REFERENCING OLD TABLE AS old_rows
              FOR EACH STATEMENT EXECUTE FUNCTION member_count_deleted();
            CREATE TRIGGER member_count_updated AFTER UPDATE ON member REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
              FOR EACH STATEMENT EXECUTE FUNCTION member_count_updated();
          END IF;
        END $$
        """,
    ]

    // MARK: Connection

    private func connect() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        guard NIODeadline.now() >= retryAfter else {
            throw ControllerError(.unavailable, "controller database (PostgreSQL) unreachable; retrying shortly")
        }
        let c: PostgresConnection
        do {
            let loop = group.next(), location = self.location, logger = self.logger
            let connecting = location.channel(on: loop).flatMap { channel in
                PostgresConnection.connect(on: loop, configuration: location.configuration(channel), id: 1, logger: logger)
            }
            // A server that accepts the connection but never answers (stopped) must not hold the caller either.
            c = try Self.wait(connecting, timeout: Self.handshakeTimeout) { Self.discard($0) }
            // One statement per query (the extended protocol takes no more). A transaction left open by a client that
            // gave up must not hold its locks for long.
            for setting in [
                "statement_timeout = \(Self.statementTimeoutMilliseconds)", "lock_timeout = \(Self.lockTimeoutMilliseconds)",
                "idle_in_transaction_session_timeout = 10000",
            ] {
                try Self.run(c, PostgresQuery(unsafeSQL: "SET \(setting)"))
            }
        } catch {
            retryAfter = .now() + Self.reconnectBackoff
            throw error
        }
        c.addListener(channel: Self.channel) { [weak self] _, notification in self?.notified(notification.payload) }
        try Self.run(c, PostgresQuery(unsafeSQL: "LISTEN \(Self.channel)"))
        if everConnected { report([.unknown]) }
        everConnected = true
        connection = c
        return c
    }

    private func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws(ControllerError) -> T {
        do {
            return try lock.withLock {
                let c = try connect()
                do { return try body(c) } catch {
                    if error is ReplyTimeout {
                        // Its state is unknown (the server may still run the statement): never reuse it.
                        Self.discard(c)
                        connection = nil
                        retryAfter = .now() + Self.reconnectBackoff
                    } else if c.isClosed {
                        connection = nil
                    }
                    throw error
                }
            }
        } catch let e as ControllerError {
            throw e
        } catch let e as IPConflict {
            throw e.error
        } catch is ReplyTimeout {
            throw ControllerError(.unavailable, "controller database (PostgreSQL) did not answer within \(Self.replyTimeout.nanoseconds / 1_000_000) ms")
        } catch {
            throw ControllerError(.unavailable, "controller database (PostgreSQL) failed: \(Self.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let message = e.serverInfo?[.message] {
            let state = e.serverInfo?[.sqlState] ?? "?"
            // Said plainly: these are the database being busy, not a bad request.
            let reason = state == "55P03" ? "locked: " : state == "57014" ? "timed out: " : ""
            return "\(reason)\(message) (\(state))"
        }
        return "\(e.code)"
    }

    /// Runs `body` in a transaction, retrying when a concurrent writer made it fail (a unique key taken meanwhile,
    /// a serialization failure or a deadlock); `notify` lists what to announce to the other processes.
    private func transaction<T>(
        attempts: Int = 8, _ body: (PostgresConnection, inout [String]) throws -> T
    ) throws(ControllerError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try withConnection { c in
                    try Self.run(c, "BEGIN")
                    do {
                        var notify: [String] = []
                        let result = try body(c, &notify)
                        for n in notify {
                            try Self.run(c, "SELECT pg_notify(\(Self.channel), \("\(instance) \(n)"))")
                        }
                        try Self.run(c, "COMMIT")
                        return result
                    } catch {
                        if !c.isClosed { _ = try? Self.run(c, "ROLLBACK") }
                        throw error
                    }
                }
            } catch {
                guard attempt < attempts, error.retryable else { throw error }
            }
        }
    }

    @discardableResult
    static func run(_ c: PostgresConnection, _ query: PostgresQuery, timeout: TimeAmount = replyTimeout) throws -> PostgresQueryResult {
        try wait(c.query(query, logger: queryLogger), timeout: timeout)
    }

    /// How long one schema statement may take: filling a column of a million members takes seconds. A server that
    /// does not answer at all is caught by the statement before them, under `replyTimeout`.
    static let migrationTimeout = TimeAmount.seconds(600)

    /// Closes a connection nobody will use again, keeping it alive until it is closed (postgres-nio insists).
    static func discard(_ c: PostgresConnection) {
        let closing: EventLoopFuture<Void> = c.close()
        closing.whenComplete { _ in withExtendedLifetime(c) {} }
    }

    static let queryLogger = Logger(label: "sixplane.controller.postgres.query")

    /// Waits for `future` at most `timeout`; past it throws `ReplyTimeout`, and `abandon` gets the value if it comes
    /// later (a connection to close).
    static func wait<T: Sendable>(_ future: EventLoopFuture<T>, timeout: TimeAmount, abandon: @escaping @Sendable (T) -> Void = { _ in }) throws -> T {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: T.self)
        let timer = loop.scheduleTask(in: timeout) { promise.fail(ReplyTimeout()) }
        future.whenComplete { result in
            timer.cancel()
            promise.completeWith(result)
        }
        promise.futureResult.whenFailure { error in
            guard error is ReplyTimeout else { return }
            future.whenSuccess(abandon)
        }
        return try promise.futureResult.wait()
    }

    // MARK: Notifications

    private func notified(_ payload: String) {
        let parts = payload.split(separator: " ")
        guard parts.count >= 2, parts[0] != instance, let network = try? NetworkID(hex: parts[1]) else { return }
        // An import elsewhere may replace a network without changing its revision.
        networks.forget(network)
        if parts.count >= 3, let address = try? Address(hex: parts[2]) {
            report([.member(network, address)])
        } else {
            report([.network(network)])
        }
    }

    private func report(_ changes: [ExternalChange]) {
        let wake = pending.withLockedValue { p in
            p.changes.append(contentsOf: changes)
            return p.wake
        }
        wake?()
    }

    public func takeExternalChanges() -> [ExternalChange] {
        pending.withLockedValue { p in
            defer { p.changes.removeAll() }
            return p.changes
        }
    }

    public func observeExternalChanges(_ wake: @escaping @Sendable () -> Void) {
        pending.withLockedValue { $0.wake = wake }
    }

    // MARK: Networks

    /// Parsed networks by revision: every config request needs its network, which rarely changes.
    private let networks = NetworkCache()

    public func network(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork? {
        let cachedRevision = networks.revision(id)
        let row = try withConnection { c in
            try Self.run(
                c,
                "SELECT revision, CASE WHEN revision = \(cachedRevision) THEN NULL ELSE data END FROM network WHERE id = \(id.description)"
            ).first?.decode((Int64, String?).self)
        }
        return try networks.resolve(id, row: row)
    }

    public func networkIDs() throws(ControllerError) -> [NetworkID] {
        try withConnection { c in
            try Self.run(c, "SELECT id FROM network ORDER BY id").map { try $0.decode(String.self) }
        }.compactMap { try? NetworkID(hex: $0) }
    }

    public func updateNetwork(
        _ id: NetworkID, create: Bool, now: Int64, _ change: (inout ControllerNetwork) throws(ControllerError) -> Void
    ) throws(ControllerError) -> ControllerNetwork? {
        try transaction { c, notify in
            let n = id.description
            let existing = try Self.run(c, "SELECT data FROM network WHERE id = \(n) FOR UPDATE").first?.decode(String.self)
            let current: ControllerNetwork
            if let existing {
                current = try ControllerNetwork(json: try MemberUpdate.decode(existing))
            } else {
                guard create else { return nil }
                current = ControllerNetwork(id: id, creationTime: now)
            }
            let (updated, changed) = try Revisions.apply(current, isNew: existing == nil, change)
            if existing == nil {
                try Self.run(c, "INSERT INTO network (id, revision, data) VALUES (\(n), \(updated.revision), \(updated.json.text))")
            } else if changed {
                try Self.run(c, "UPDATE network SET revision = \(updated.revision), data = \(updated.json.text) WHERE id = \(n)")
            }
            if changed || existing == nil { notify.append(n) }
            return updated
        }
    }

    public func deleteNetwork(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork? {
        networks.forget(id)
        let text = try transaction { c, notify in
            let n = id.description
            let text = try Self.run(c, "DELETE FROM network WHERE id = \(n) RETURNING data").first?.decode(String.self)
            if text != nil { notify.append(n) }
            return text
        }
        guard let text else { return nil }
        return try ControllerNetwork(json: try MemberUpdate.decode(text))
    }

    // MARK: Members

    public func member(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember? {
        let text = try withConnection { c in
            try Self.run(c, "SELECT data FROM member WHERE network = \(network.description) AND address = \(address.description)")
                .first?.decode(String.self)
        }
        guard let text else { return nil }
        return try ControllerMember(json: try MemberUpdate.decode(text))
    }

    public func memberState(_ network: NetworkID, _ address: Address) throws(ControllerError) -> (revision: Int64, authorized: Bool)? {
        try withConnection { c in
            try Self.run(c, "SELECT revision, authorized FROM member WHERE network = \(network.description) AND address = \(address.description)")
                .first?.decode((Int64, Bool).self)
        }
    }

    public func members(_ network: NetworkID, offset: Int, limit: Int) throws(ControllerError) -> [ControllerMember] {
        let texts = try withConnection { c in
            let n = network.description
            let rows =
                limit == .max
                ? try Self.run(c, "SELECT data FROM member WHERE network = \(n) ORDER BY address OFFSET \(offset)")
                : try Self.run(c, "SELECT data FROM member WHERE network = \(n) ORDER BY address LIMIT \(limit) OFFSET \(offset)")
            return try rows.map { try $0.decode(String.self) }
        }
        var out: [ControllerMember] = []
        for t in texts { out.append(try ControllerMember(json: try MemberUpdate.decode(t))) }
        return out
    }

    public func members(_ network: NetworkID, matching query: MemberQuery) throws(ControllerError) -> [ControllerMember] {
        let (sql, arguments, limit) = query.sql(network: network) { "$\($0)" }
        let texts = try withConnection { c in
            var binds = PostgresBindings()
            for a in arguments { binds.append(a) }
            binds.append(limit)
            return try Self.run(c, PostgresQuery(unsafeSQL: sql, binds: binds)).map { try $0.decode(String.self) }
        }
        var out: [ControllerMember] = []
        for t in texts { out.append(try ControllerMember(json: try MemberUpdate.decode(t))) }
        return out
    }

    public func memberRevisions(_ network: NetworkID) throws(ControllerError) -> [(Address, Int64)] {
        try withConnection { c in
            try Self.run(c, "SELECT address, revision FROM member WHERE network = \(network.description) ORDER BY address").compactMap {
                row -> (Address, Int64)? in
                let (a, r) = try row.decode((String, Int64).self)
                guard let address = try? Address(hex: a) else { return nil }
                return (address, r)
            }
        }
    }

    public func memberCounts(_ network: NetworkID) throws(ControllerError) -> (total: Int, authorized: Int) {
        try withConnection { c in
            let row = try Self.run(
                c, "SELECT total, authorized FROM member_count WHERE network = \(network.description)"
            ).first
            guard let (t, a) = try row?.decode((Int64, Int64).self) else { return (0, 0) }
            return (Int(t), Int(a))
        }
    }

    public func updateMember(
        _ network: NetworkID, _ address: Address, create: Bool, now: Int64, _ change: MemberChange
    ) throws(ControllerError) -> ControllerMember? {
        let n = network.description, a = address.description
        // Most calls (config requests) change nothing: decide that without a transaction or row lock.
        let unchanged: ControllerMember?? = try withConnection { c in
            guard let outcome = try Self.memberUpdate(c, network, address, create: create, now: now, lock: false, change) else {
                return .some(nil)
            }
            if outcome.write { return ControllerMember??.none }
            return .some(outcome.result)
        }
        if let unchanged { return unchanged }
        return try transaction { c, notify in
            guard let outcome = try Self.memberUpdate(c, network, address, create: create, now: now, lock: true, change) else { return nil }
            if outcome.write {
                try Self.writeMember(outcome.result, c)
                notify.append("\(n) \(a)")
            }
            return outcome.result
        }
    }

    private static func memberUpdate(
        _ c: PostgresConnection, _ network: NetworkID, _ address: Address, create: Bool, now: Int64, lock: Bool,
        _ change: MemberChange
    ) throws -> MemberUpdate.Outcome? {
        let n = network.description, a = address.description
        let existing =
            lock
            ? try run(c, "SELECT data FROM member WHERE network = \(n) AND address = \(a) FOR UPDATE").first?.decode(String.self)
            : try run(c, "SELECT data FROM member WHERE network = \(n) AND address = \(a)").first?.decode(String.self)
        return try MemberUpdate.run(
            network: network, address: address, create: create, now: now, existing: existing,
            networkExists: { try run(c, "SELECT 1 FROM network WHERE id = \(n)").first != nil },
            ipOwner: { ip in
                try run(c, "SELECT address FROM member_ip WHERE network = \(n) AND ip = \(ip.description)").first?.decode(String.self)
            },
            change: change)
    }

    /// Writes a member and its IP index rows; a duplicate IP violates the index's key, so the transaction fails
    /// (and is retried, seeing the other member's address) instead of assigning it twice.
    private static func writeMember(_ m: ControllerMember, _ c: PostgresConnection) throws {
        let n = m.network.description, a = m.address.description
        try run(
            c,
            """
            INSERT INTO member (network, address, authorized, active_bridge, name_key, revision, data)
            VALUES (\(n), \(a), \(m.authorized), \(m.activeBridge), \(m.nameKey), \(m.revision), \(m.json.text))
            ON CONFLICT (network, address) DO UPDATE
            SET authorized = EXCLUDED.authorized, active_bridge = EXCLUDED.active_bridge, name_key = EXCLUDED.name_key,
                revision = EXCLUDED.revision, data = EXCLUDED.data
            """)
        try run(c, "DELETE FROM member_ip WHERE network = \(n) AND address = \(a)")
        for ip in m.ipAssignments {
            let owner = try run(c, "SELECT address FROM member_ip WHERE network = \(n) AND ip = \(ip.description)").first?.decode(String.self)
            // Another process took it after this transaction's read: retrying re-runs the change, which sees it.
            if let owner { throw IPConflict(ip: ip, owner: owner) }
            try run(c, "INSERT INTO member_ip (network, ip, address) VALUES (\(n), \(ip.description), \(a))")
        }
    }

    public func deleteMember(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember? {
        let text = try transaction { c, notify in
            let n = network.description, a = address.description
            let text = try Self.run(c, "DELETE FROM member WHERE network = \(n) AND address = \(a) RETURNING data").first?.decode(String.self)
            if text != nil { notify.append("\(n) \(a)") }
            return text
        }
        guard let text else { return nil }
        return try ControllerMember(json: try MemberUpdate.decode(text))
    }

    public func activeBridges(_ network: NetworkID) throws(ControllerError) -> [Address] {
        try withConnection { c in
            try Self.run(
                c, "SELECT address FROM member WHERE network = \(network.description) AND active_bridge AND authorized ORDER BY address"
            ).map { try $0.decode(String.self) }
        }.compactMap { try? Address(hex: $0) }
    }

    public func ipOwner(_ network: NetworkID, _ ip: IPAddress) throws(ControllerError) -> Address? {
        let text = try withConnection { c in
            try Self.run(c, "SELECT address FROM member_ip WHERE network = \(network.description) AND ip = \(ip.description)")
                .first?.decode(String.self)
        }
        return text.flatMap { try? Address(hex: $0) }
    }

    public func insertNetwork(_ network: ControllerNetwork) throws(ControllerError) {
        networks.forget(network.id)
        try transaction { c, notify in
            let n = network.id.description
            try Self.run(
                c,
                """
                INSERT INTO network (id, revision, data) VALUES (\(n), \(network.revision), \(network.json.text))
                ON CONFLICT (id) DO UPDATE SET revision = EXCLUDED.revision, data = EXCLUDED.data
                """)
            notify.append(n)
        }
    }

    public func insertMembers(_ members: [ControllerMember]) throws(ControllerError) {
        guard !members.isEmpty else { return }
        // A key violation here is a duplicate address in the batch, not a race: no retry.
        try transaction(attempts: 1) { c, notify in
            // Whole batches in three statements (arrays unnested server-side), not four round trips a member.
            for (network, batch) in Dictionary(grouping: members, by: \.network.description).sorted(by: { $0.key < $1.key }) {
                var latest: [String: ControllerMember] = [:]
                for m in batch { latest[m.address.description] = m }
                let rows = latest.values.sorted { $0.address < $1.address }
                let addresses = rows.map(\.address.description)
                try Self.run(
                    c,
                    """
                    INSERT INTO member (network, address, authorized, active_bridge, name_key, revision, data)
                    SELECT \(network), * FROM unnest(\(addresses)::text[], \(rows.map(\.authorized))::boolean[],
                        \(rows.map(\.activeBridge))::boolean[], \(rows.map(\.nameKey))::text[], \(rows.map(\.revision))::bigint[],
                        \(rows.map(\.json.text))::text[])
                    ON CONFLICT (network, address) DO UPDATE
                    SET authorized = EXCLUDED.authorized, active_bridge = EXCLUDED.active_bridge, name_key = EXCLUDED.name_key,
                        revision = EXCLUDED.revision, data = EXCLUDED.data
                    """)
                try Self.run(c, "DELETE FROM member_ip WHERE network = \(network) AND address = ANY(\(addresses)::text[])")
                let ips = rows.flatMap { m in m.ipAssignments.map { ($0.description, m.address.description) } }
                if !ips.isEmpty {
                    // A duplicate address violates the key and fails the batch (callers retry one by one to find it).
                    try Self.run(
                        c,
                        "INSERT INTO member_ip (network, ip, address) SELECT \(network), * FROM unnest(\(ips.map(\.0))::text[], \(ips.map(\.1))::text[])"
                    )
                }
                // One notice per network: the others refresh it (and its online members) instead of each member.
                notify.append(network)
            }
        }
    }
}

/// The server did not answer in time.
struct ReplyTimeout: Error {}

struct IPConflict: Error {
    var ip: IPAddress
    var owner: String
    var error: ControllerError { ControllerError(.conflict, "\(ip) is already assigned to \(owner)", field: "ipAssignments") }
}

extension Error {
    /// A failure that retrying the transaction can cure: an address taken by a concurrent writer, or PostgreSQL's
    /// unique violation, serialization failure, deadlock.
    var retryable: Bool {
        guard let e = self as? ControllerError else { return false }
        if e.kind == .conflict { return true }
        return e.kind == .unavailable && ["(23505)", "(40001)", "(40P01)"].contains { e.message.hasSuffix($0) }
    }
}
