import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SixplaneController
import SixplaneCore

/// `sixplane daemon`: the node, its sockets and taps, the controller, and the local API, until SIGTERM or SIGINT.
public enum Daemon {
    public struct Options: Sendable {
        public var home: String
        public var port: Int?
        public var controllerDB: String?

        public init(home: String, port: Int?, controllerDB: String?) {
            self.home = home
            self.port = port
            self.controllerDB = controllerDB
        }
    }

    public static func run(_ options: Options, logger: Logger) async throws {
        let home = Home(path: options.home)
        try home.prepare()
        var rng = SystemRandomNumberGenerator()
        let identity = try home.identities.loadOrCreate(using: &rng)
        let token = try home.loadOrCreateAuthToken()
        let planet = try home.planet()
        let (moons, problems) = home.moons()
        for p in problems { logger.warning("moon not loaded: \(p)") }
        let localConf = try LocalConf(home: home)
        let controller = try ControllerStartup.decide(home: home.path, url: options.controllerDB)

        var limits = NodeLimits()
        limits.identityValidationsPerSecond = DaemonNode.validationBudget(share: localConf.identityValidationShare, probe: identity)
        let configuration = NodeConfiguration(identity: identity, planet: planet, moons: moons, limits: limits)
        logger.info("identity validations for new peers: at most \(limits.identityValidationsPerSecond)/s (\(Int(localConf.identityValidationShare * 100)) % of a core)")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let daemon = DaemonNode(loop: loop, home: home, identity: identity, netconf: NetworkConfigurator(), interfaceNames: localConf.interfaceNames)
        let wanted = options.port ?? localConf.primaryPort ?? 9993
        let (bound, port) = try await bindSockets(daemon, wanted: wanted, randomIfTaken: localConf.allowSecondaryPort, logger: logger)
        var channels = bound.channels, descriptors = bound.sendDescriptors
        var secondaryPort: Int?
        if localConf.allowSecondaryPort, let extra = await bindSecondary(daemon, primary: port, configured: localConf.secondaryPort, logger: logger) {
            channels += extra.sockets.channels
            descriptors += extra.sockets.sendDescriptors
            secondaryPort = extra.port
        }
        try await loop.submit {
            daemon.sockets = channels
            daemon.sendDescriptors = descriptors
            daemon.secondaryPort = secondaryPort
            daemon.port = port
            daemon.dockerSocket = localConf.dockerSocket
            daemon.podDataDir = localConf.podDataDir
            daemon.resolver = ResolverConfigurator(path: localConf.resolvConf, method: localConf.resolverMethod)
            daemon.start(configuration: configuration, controller: controller)
        }.get()
        try FileIO.write(home.portPath, text: "\(port)")
        try FileIO.write(home.pidPath, text: "\(getpid())")
        logger.info("node \(identity.address) on UDP port \(port), home \(home.path)")

        let api = LocalAPI(daemon: daemon, token: token)
        var services = LocalAPIServer.services(api: api, port: port, group: group)
        services.append(NodeService(daemon: daemon, home: home))
        let release = localConf.releaseStartupPages ? Task { await releaseStartupPages(after: .seconds(30), logger: logger) } : nil
        defer { release?.cancel() }
        let serviceGroup = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await serviceGroup.run()
        try? await group.shutdownGracefully()
    }

    /// Once start-up is over, the program's pages it alone used go back to the kernel (`ProgramPages`).
    static func releaseStartupPages(after delay: Duration, logger: Logger) async {
        guard (try? await Task.sleep(for: delay)) != nil else { return }
        switch ProgramPages.release() {
        case .success(let o):
            logger.info("start-up pages released: file-backed resident \(o.residentFileBefore / 1024) -> \(o.residentFileAfter / 1024) MiB (\(o.advised >> 20) MiB of mappings advised, \(o.refused) refused)")
        case .failure(let failure):
            logger.notice("start-up pages kept: \(failure)")
        }
    }

    /// ZeroTier's secondary port: local.conf's `secondaryPort`, else a random one in 20000–65499 picked at each start
    /// (as 1.14 does: a port derived from the node's address, as older versions used, stays blocked forever by a NAT
    /// or router that took against it); its sockets are local sockets 2 and 3. Not having one is not fatal.
    static func bindSecondary(
        _ daemon: DaemonNode, primary: Int, configured: Int?, logger: Logger
    ) async -> (sockets: (channels: [(any Channel)?], sendDescriptors: [Int32]), port: Int)? {
        var candidates: [Int] = []
        if let configured { candidates.append(configured) } else {
            candidates = (0..<10).map { _ in Int.random(in: 20000..<65500) }
        }
        for port in candidates where port != primary {
            do {
                return (try await UDPTransport.bind(node: daemon, port: port, first: 2), port)
            } catch {
                logger.warning("secondary UDP port \(port) not available: \(error)")
            }
        }
        return nil
    }

    /// The wanted port, or (if it is taken and that is allowed) a random one.
    static func bindSockets(_ daemon: DaemonNode, wanted: Int, randomIfTaken: Bool, logger: Logger) async throws -> ((channels: [(any Channel)?], sendDescriptors: [Int32]), Int) {
        do {
            let s = try await UDPTransport.bind(node: daemon, port: wanted)
            return (s, s.channels[0]?.localAddress?.port ?? wanted)
        } catch {
            guard randomIfTaken else { throw DaemonError(.invalidConfiguration, "UDP port \(wanted) is not available: \(error)") }
            logger.warning("UDP port \(wanted) is taken (\(error)); using another")
        }
        for _ in 0..<20 {
            let port = Int.random(in: 20000...65000)
            if let s = try? await UDPTransport.bind(node: daemon, port: port) { return (s, port) }
        }
        throw DaemonError(.invalidConfiguration, "no free UDP port")
    }
}

/// Runs until shutdown is requested, then takes the node down cleanly: taps removed, sockets closed.
struct NodeService: Service {
    let daemon: DaemonNode
    let home: Home

    func run() async throws {
        try? await gracefulShutdown()
        Logger(label: "sixplane.daemon").info("shutting down")
        let controller = try await daemon.loop.submit {
            daemon.shutdown()
            return daemon.controllerService
        }.get()
        await controller?.shutdown()
        for channel in daemon.sockets.compactMap({ $0 }) { try? await channel.close() }
        try await daemon.loop.submit {
            for fd in daemon.sendDescriptors where fd >= 0 { close(fd) }
            daemon.sendDescriptors = daemon.sendDescriptors.map { _ in -1 }
        }.get()
        unlink(home.pidPath)
    }
}
