import Foundation
import SixplaneDaemon

/// A throwaway PostgreSQL server for tests: a fresh cluster (`initdb`) in a temporary folder, listening on
/// 127.0.0.1 on a free port and on a socket in that folder, run as the `postgres` user when the tests run as root.
///
/// The tests share one cluster (`shared`), stopped when the test process exits; a test that needs to stop the
/// server starts its own. If a cluster cannot start, the error says why: PostgreSQL tests fail, never skip.
public final class PostgresCluster: @unchecked Sendable {
    public let directory: String
    public let port: Int
    private let lock = NSLock()
    private var running = false

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server binaries (`initdb`, `pg_ctl`, `createdb`) of the newest installed PostgreSQL.
    static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for v in versions.reversed() where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") {
            return "\(root)/\(v)/bin"
        }
        throw Failure(
            description: "PostgreSQL server binaries not found under \(root): install the postgresql package (`make test` does)")
    }

    static var asRoot: Bool { getuid() == 0 }

    /// Runs a server binary, as `postgres` when we are root (the server refuses to run as root).
    @discardableResult
    static func server(_ tool: String, _ arguments: [String], timeout: Double = 120, namespace: String? = nil) throws -> String {
        let path = "\(try binaries())/\(tool)"
        let inside = namespace.map { ["ip", "netns", "exec", $0] } ?? []
        let argv = inside + (asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] + arguments : [path] + arguments)
        let (status, output) = try spawn(argv)
        guard status == 0 else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
        return output
    }

    /// `pg_ctl start` leaves the server running: Spawn closes our descriptors in the child so a server holding one
    /// cannot keep waits open.
    static func spawn(_ argv: [String]) throws -> (Int32, String) {
        let r = Spawn.run(argv)
        return (r.status, r.output)
    }

    /// The network namespace the server listens in (its 127.0.0.1), nil for the machine's own.
    public let namespace: String?

    /// Creates and starts a new cluster, listening on 127.0.0.1 of `namespace` (its Unix socket is reachable from
    /// any namespace).
    public init(namespace: String? = nil) throws {
        self.namespace = namespace
        Self.reapOrphans()
        var template = Array("/tmp/sixplane-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot create a temporary folder: errno \(errno)") }
        directory = String(cString: made)
        if Self.asRoot {
            guard let pw = getpwnam("postgres") else {
                throw Failure(description: "no `postgres` user to run the server as: install the postgresql package (`make test` does)")
            }
            chown(directory, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        try String(getpid()).write(toFile: "\(directory)/owner.pid", atomically: true, encoding: .utf8)
        try Self.server("initdb", ["-D", "\(directory)/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"])
        var lastError: Error = Failure(description: "no free port")
        for _ in 0..<5 {
            let port = Self.freePort()
            do {
                try Self.start(directory: directory, port: port, namespace: namespace)
                self.port = port
                running = true
                return
            } catch {
                lastError = error
            }
        }
        let log = (try? String(contentsOfFile: "\(directory)/log", encoding: .utf8)) ?? ""
        throw Failure(description: "PostgreSQL did not start: \(lastError)\n\(log)")
    }

    private static func start(directory: String, port: Int, namespace: String?) throws {
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        try server("pg_ctl", ["start", "-w", "-t", "60", "-D", "\(directory)/data", "-l", "\(directory)/log", "-o", options], namespace: namespace)
    }

    public var log: String { (try? String(contentsOfFile: "\(directory)/log", encoding: .utf8)) ?? "" }

    /// Stops the server (fast shutdown: sessions are cut, as when a database host goes down).
    public func stop() {
        lock.withLock {
            guard running else { return }
            _ = try? Self.server("pg_ctl", ["stop", "-m", "fast", "-w", "-D", "\(directory)/data"])
            running = false
        }
    }

    /// Starts a stopped server again on the same port.
    public func restart() throws {
        try lock.withLock {
            guard !running else { return }
            try Self.start(directory: directory, port: port, namespace: namespace)
            running = true
        }
    }

    /// The server's processes: the postmaster (first line of `postmaster.pid`) and its children.
    public func processes() -> [pid_t] {
        guard let text = try? String(contentsOfFile: "\(directory)/data/postmaster.pid", encoding: .utf8),
            let first = text.split(separator: "\n").first, let postmaster = pid_t(first)
        else { return [] }
        var out = [postmaster]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // Fields after the name: state, ppid, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == postmaster { out.append(pid) }
        }
        return out
    }

    /// Freezes every server process (SIGSTOP), as a hung database host: connections stay open, nothing answers.
    public func freeze() {
        for pid in processes() { kill(pid, SIGSTOP) }
    }

    /// Lets a frozen server run again.
    public func thaw() {
        for pid in processes() { kill(pid, SIGCONT) }
    }

    /// Stops the server and deletes the cluster.
    public func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A new, empty database; returns its URL.
    /// `options` are createdb's (a locale, say).
    public func createDatabase(options: [String] = []) throws -> String {
        let name = "t\(UInt64.random(in: 0 ... .max))"
        try Self.server("createdb", ["-h", directory, "-p", "\(port)", "-U", "postgres"] + options + [name])
        return url(database: name)
    }

    public func url(database: String) -> String { "postgresql://postgres@127.0.0.1:\(port)/\(database)" }

    // MARK: The shared cluster

    nonisolated(unsafe) private static var sharedResult: Result<PostgresCluster, Error>?
    private static let sharedLock = NSLock()

    /// The cluster the tests share, started on first use and stopped when the process exits.
    public static func shared() throws -> PostgresCluster {
        try sharedLock.withLock {
            if sharedResult == nil {
                sharedResult = Result { try PostgresCluster() }
                atexit { PostgresCluster.stopShared() }
            }
            return try sharedResult!.get()
        }
    }

    private static func stopShared() {
        if case .success(let cluster) = sharedResult { cluster.remove() }
    }

    /// Clusters left by test processes that died without stopping them.
    private static func reapOrphans() {
        let tmp = "/tmp"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where name.hasPrefix("sixplane-pg-") {
            let dir = "\(tmp)/\(name)"
            guard let text = try? String(contentsOfFile: "\(dir)/owner.pid", encoding: .utf8), let pid = Int32(text),
                kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = try? server("pg_ctl", ["stop", "-m", "immediate", "-w", "-D", "\(dir)/data"], timeout: 30)
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// A TCP port nothing listens on right now.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
