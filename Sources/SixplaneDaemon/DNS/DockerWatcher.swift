import Logging
import NIOCore
import SixplaneCore
import SixplaneDNS
import SixplaneJSON

/// Keeps the names of the containers a host's Docker engine runs: the list read once, then again on every container
/// or network event the engine streams (and every `relistInterval`, for an event missed while subscribing). When the
/// engine cannot be reached its containers are taken away, and it is tried again each second.
public final class DockerWatcher: Sendable {
    let engine: DockerEngine
    let publish: @Sendable ([HostedName]) -> Void
    private let logger = Logger(label: "sixplane.dns.docker")

    static let relistInterval: Duration = .seconds(10)
    static let eventsPath = "/events?filters=%7B%22type%22%3A%5B%22container%22%2C%22network%22%5D%7D"

    init(engine: DockerEngine, publish: @escaping @Sendable ([HostedName]) -> Void) {
        self.engine = engine
        self.publish = publish
    }

    /// Runs until the task is cancelled.
    func run() async {
        var reported: String?
        while !Task.isCancelled {
            do {
                try await watch()
                reported = nil
            } catch is CancellationError {
                break
            } catch {
                let text = "\(error)"
                if text != reported { logger.info("Docker engine at \(engine.socketPath): \(text); its containers have no names until it answers") }
                reported = text
            }
            publish([])
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// One connection's worth: list, then follow events until the engine ends the stream or fails.
    private func watch() async throws {
        let (signals, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        signal.yield()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await _ in signals { publish(try Self.hosted(fromList: try await engine.fetch("/containers/json"))) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: Self.relistInterval)
                    signal.yield()
                }
            }
            group.addTask { [self] in
                try await engine.lines(Self.eventsPath) { _ in signal.yield() }
                throw DockerEngine.Failure(description: "the engine ended its event stream")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// The running containers of a `GET /containers/json` answer: the first name (without Docker's leading slash)
    /// and the global IPv6 and IPv4 addresses of every network it is on (the zone keeps those in its /80).
    public static func hosted(fromList bytes: [UInt8]) throws -> [HostedName] {
        guard let list = JSON(parsing: String(decoding: bytes, as: UTF8.self))?.arrayValue else {
            throw DockerEngine.Failure(description: "the container list is not a JSON array")
        }
        return list.compactMap { item -> HostedName? in
            guard let o = item.objectValue, o["State"]?.stringValue ?? "running" == "running",
                let raw = o["Names"]?.arrayValue?.first?.stringValue
            else { return nil }
            let name = raw.hasPrefix("/") ? String(raw.dropFirst()) : raw
            let networks = o["NetworkSettings"]?.objectValue?["Networks"]?.objectValue ?? [:]
            let addresses = networks.keys.sorted().flatMap { key -> [IPAddress] in
                let n = networks[key]?.objectValue ?? [:]
                return ["GlobalIPv6Address", "IPAddress"].compactMap { n[$0]?.stringValue.flatMap { try? IPAddress(parsing: $0) } }
            }
            return HostedName(name: name, addresses: addresses)
        }
    }
}
