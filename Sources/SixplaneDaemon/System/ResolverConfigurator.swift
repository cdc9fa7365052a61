import Foundation
import Logging
import NIOConcurrencyHelpers
import SixplaneCore

/// Applies the DNS settings of networks with allowDNS=1 to the host, on a queue of its own: with systemd-resolved
/// (where it runs and the default resolv.conf is in use) as the tap's link DNS servers and domain, reverted when the
/// network goes; otherwise as Sixplane's marked blocks in `resolv.conf` (`ResolvConfBlock`), taken out when the last
/// network goes and when the daemon stops.
public final class ResolverConfigurator: @unchecked Sendable {
    public enum Method: String, Sendable {
        case resolved = "systemd-resolved"
        case file = "resolv.conf"
    }

    public struct Applied: Equatable, Sendable {
        public var tap: String
        public var entry: ResolvConfBlock.Entry
    }

    private let queue = DispatchQueue(label: "sixplane.resolver")
    private var wanted: [NetworkID: Applied] = [:]
    private var linked: Set<String> = []
    private let snapshot = NIOLockedValueBox<[NetworkID: Applied]>([:])
    private let logger = Logger(label: "sixplane.resolver")
    public let path: String
    public let method: Method

    public init(path: String = LocalConf.defaultResolvConf, method: Method? = nil) {
        self.path = path
        self.method = method ?? (path == LocalConf.defaultResolvConf && Self.resolvedRuns() ? .resolved : .file)
    }

    /// systemd-resolved answers on its D-Bus name when its runtime directory has the stub file it writes.
    static func resolvedRuns() -> Bool {
        FileIO.exists("/run/systemd/resolve/stub-resolv.conf") && FileIO.exists("/usr/bin/resolvectl")
    }

    /// What is applied now, by network (for `sixplane dns`); never waits for the queue.
    public var applied: [NetworkID: Applied] { snapshot.withLockedValue { $0 } }

    /// Makes the host use `entry` for network `id` through `tap` (nil: not any more).
    public func set(_ id: NetworkID, tap: String, _ entry: ResolvConfBlock.Entry?) {
        queue.async { [self] in
            let next = entry.map { Applied(tap: tap, entry: $0) }
            guard wanted[id] != next else { return }
            wanted[id] = next
            sync()
        }
    }

    /// Applies again what is wanted (the periodic re-sync: another program may have rewritten resolv.conf, or
    /// systemd-resolved restarted and forgot the links).
    public func resync() {
        queue.async { [self] in if !wanted.isEmpty { sync() } }
    }

    /// Takes everything back (the daemon stops).
    public func removeAll() {
        queue.sync {
            wanted = [:]
            sync()
        }
    }

    private func sync() {
        switch method {
        case .resolved:
            let taps = Set(wanted.values.map(\.tap))
            for tap in linked.subtracting(taps).sorted() { run(["revert", tap]) }
            for a in wanted.values.sorted(by: { $0.tap < $1.tap }) {
                run(["dns", a.tap] + a.entry.servers.map(\.description))
                run(["domain", a.tap, a.entry.domain])
                // The link answers for its domain only: without this resolved would send every other name there too.
                run(["default-route", a.tap, "false"])
            }
            linked = taps
            snapshot.withLockedValue { $0 = wanted }
        case .file:
            let entries = wanted.sorted { $0.key < $1.key }.map(\.value.entry)
            do {
                let before = FileIO.exists(path) ? try FileIO.readText(path, limit: 1 << 20) : ""
                let after = ResolvConfBlock.apply(entries, to: before)
                if after != before { try Self.overwrite(path, after) }
                snapshot.withLockedValue { $0 = wanted }
            } catch {
                logger.warning("cannot apply DNS settings to \(path): \(error)")
            }
        }
    }

    private func run(_ args: [String]) {
        let r = Spawn.run(["resolvectl"] + args)
        if r.status != 0 { logger.warning("resolvectl \(args.joined(separator: " ")) failed (\(r.status)): \(r.output)") }
    }

    /// Written in place, not renamed over: resolv.conf is often a bind mount (containers) or watched by inode.
    static func overwrite(_ path: String, _ text: String) throws(DaemonError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DaemonError(.fileUnwritable, "cannot write \(path): \(FileIO.errnoText())") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DaemonError(.fileUnwritable, "cannot write \(path): \(FileIO.errnoText())")
            }
            written += n
        }
    }
}
