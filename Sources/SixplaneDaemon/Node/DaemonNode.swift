import Foundation
import Logging
import NIOCore
import NIOPosix
import SixplaneController
import SixplaneCore
import SixplaneDNS

/// The node in a process: the I/O-free core wired to UDP sockets, tap devices, the home folder and the OS.
///
/// Everything here runs on one event loop (`loop`), the node's serialized context: datagrams arrive on it (the
/// sockets are on the same loop), tap readers hop onto it. The controller, when there is one, runs on a thread of
/// its own (`ControllerService`), so that its database never holds this loop. The parts live in files named after
/// them: datagrams, taps, timers, state on disk, membership, identity validation.
public final class DaemonNode: NodeHost, @unchecked Sendable {
    public let loop: any EventLoop
    public let home: Home
    public let identity: Identity
    public private(set) var node: Node!
    /// The controller, on its own thread, when this node controls networks.
    private(set) var controllerService: ControllerService?
    /// Until then, what opens its database when it is first needed (the node's hook holds it weakly).
    private(set) var deferredController: DeferredController?
    let logger = Logger(label: "sixplane.node")
    let netconf: NetworkConfigurator
    /// Index = the node's local socket number. Local sockets 0 and 1 (IPv4, IPv6) on the primary port, 2 and 3 on the secondary one when there is one.
    var sockets: [(any Channel)?] = [nil, nil]
    public internal(set) var secondaryPort: Int?
    /// Descriptors of the same sockets, for sending with sendto (-1: none).
    var sendDescriptors: [Int32] = [-1, -1]
    public internal(set) var port = 0
    var taps: [NetworkID: TapDevice] = [:]
    var settings: [NetworkID: LocalNetworkSettings] = [:]
    /// Interface names chosen in local.conf (`settings.interfaceNames`: {nwid: name}).
    let interfaceNames: [NetworkID: String]
    public internal(set) var counters = DaemonCounters()
    private var rng = SystemRandomNumberGenerator()
    /// `peers.d`, bounded; read one file at a time when the node asks.
    lazy var peerCache = PeerCache(directory: home.peersPath)
    /// New peers' identities are validated here, off the node's loop, so that known peers never wait behind them.
    let validationQueue = DispatchQueue(label: "sixplane.identity-validation")
    let validator = IdentityValidator()
    var timers = DaemonTimers()
    private(set) var stopped = false
    var isStopped: Bool { stopped }
    /// Cleared when the kernel refuses UDP_SEGMENT.
    var gsoAvailable = true
    /// The networks' names, once a network has a DNS domain (`DaemonNode+DNS`).
    var dns: (server: DNSServer, group: MultiThreadedEventLoopGroup)?
    /// The Docker engine whose containers get names under this host's (local.conf `settings.dockerHost`).
    public var dockerSocket: String? = LocalConf.defaultDockerSocket
    /// Where the CNI plugin keeps its pod addresses (local.conf `settings.cniDataDir`).
    public var podDataDir: String? = LocalConf.defaultPodDataDir
    /// Where networks with allowDNS=1 put their DNS settings (local.conf `settings.resolvConf`).
    public var resolver = ResolverConfigurator()

    public init(
        loop: any EventLoop, home: Home, identity: Identity, netconf: NetworkConfigurator,
        interfaceNames: [NetworkID: String] = [:]
    ) {
        self.loop = loop
        self.home = home
        self.identity = identity
        self.netconf = netconf
        self.interfaceNames = interfaceNames
    }

    /// Wall-clock milliseconds: timestamps in certificates are compared across nodes.
    public static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Makes the node (on the loop), rejoins saved networks, loads cached peers, starts the controller.
    func start(configuration: NodeConfiguration, controller: ControllerStartup) {
        loop.preconditionInEventLoop()
        node = Node(configuration: configuration, host: self)
        switch controller {
        case .none: break
        case .running(let store): _ = install(Controller(identity: identity, store: store))
        case .deferred(let exists, let open):
            let deferred = DeferredController(daemon: self, exists: exists, open: open)
            deferredController = deferred
            node.controller = deferred
        }
        let now = Self.now()
        for (id, saved) in home.joinedNetworks() {
            settings[id] = home.localSettings(id)
            if let saved { node.join(id, savedConfig: saved, now: now) } else { node.join(id, now: now) }
        }
        scanInterfaces(now)
        scheduleTick(after: now)
    }

    /// On the loop: `controller` answers config requests and controller API calls from now on.
    func install(_ controller: Controller) -> ControllerService {
        loop.preconditionInEventLoop()
        let service = ControllerService(controller: controller, daemon: self)
        node.controller = service
        controllerService = service
        if let deferredController { service.noteDropped(deferredController.requestsDropped) }
        deferredController = nil
        service.start()
        return service
    }

    /// On the loop: the controller, its database opened first if that was deferred; nil if this node runs none.
    func controller() -> EventLoopFuture<ControllerService?> {
        loop.preconditionInEventLoop()
        if let controllerService { return loop.makeSucceededFuture(controllerService) }
        guard let deferredController, !stopped else { return loop.makeSucceededFuture(nil) }
        return deferredController.service().map { $0 }
    }

    public func random() -> UInt64 { rng.next() }

    public func event(_ event: NodeEvent) {
        switch event {
        case .online: logger.info("online")
        case .offline: logger.warning("offline: no root answered lately")
        case .dropped: counters.eventsDropped += 1
        default: logger.debug("\(event)")
        }
    }

    /// Stops: taps removed (and with them their addresses and routes); state is already on disk.
    func shutdown() {
        stopped = true
        for id in taps.keys.sorted() { removeTap(id) }
        if let (server, group) = dns { server.close().whenComplete { _ in group.shutdownGracefully { _ in } } }
        resolver.removeAll()
        netconf.drain()
    }
}
