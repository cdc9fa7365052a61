/// A ZeroTier node with no I/O: peers, paths, roots, networks, frames, multicast.
///
/// Everything it does happens inside three entry points — a datagram arrived (`receive(datagram:…)`), the host
/// sent a frame into a tap (`receive(frame:…)`), and a background tick (`tick(now:)`) — plus the calls that join
/// and leave networks. Output goes through `NodeHost`. Time is always a parameter (ms since the epoch), never read
/// from a clock, so a node behaves the same in a simulation and in the daemon. Not thread-safe: the host serializes
/// calls.
public final class Node {
    public let identity: Identity
    public let configuration: NodeConfiguration
    unowned let host: NodeHost
    /// Answers config requests for networks whose id starts with our address.
    public weak var controller: NetworkControllerHook?

    public internal(set) var topology: Topology
    public internal(set) var networks: [NetworkID: Network] = [:]
    public internal(set) var statistics = NodeStatistics()
    /// Whether an upstream (root) has been heard from recently.
    public internal(set) var isOnline = false
    /// Addresses of our host's interfaces that peers may try (set by the host).
    public var localAddresses: [InetAddress] = []

    // The node's tables. Each owns its bound and its eviction rule (see `NodeLimits`).
    let reassembler: Reassembler
    var replies = ReplyTracker()
    var whois: WhoisResolver
    var identityGate: IdentityGate
    var identityChecks: IdentityChecks
    var parkedFrames: ParkedFrames
    var pathProber: PathProber
    var delayedHellos: DelayedHellos
    var multicastDirectory: MulticastDirectory
    var configRequesters: ConfigRequesters
    var selfAwareness: SelfAwareness
    var nextPingCheck: Int64 = 0
    /// Datagrams on their way out; held back only inside a burst (`burst(_:)`).
    let transmitBatch = TransmitBatch()
    /// How deep in `burst(_:)` calls the node is; 0 outside any.
    var burstDepth = 0
    /// Where FRAMEs from the tap are built and armored: one packet's room, reused.
    var sealScratch = [UInt8](repeating: 0, count: Packet.maxLength)

    public init(configuration: NodeConfiguration, host: NodeHost) {
        precondition(configuration.identity.hasSecret, "a node needs its secret key")
        self.configuration = configuration
        self.identity = configuration.identity
        self.host = host
        topology = Topology(planet: configuration.planet, moons: configuration.moons)
        let limits = configuration.limits
        reassembler = Reassembler(capacity: limits.reassemblySlots, perSource: limits.reassemblySlotsPerSource)
        whois = WhoisResolver(limits: limits)
        identityGate = IdentityGate(limits: limits, interval: configuration.newIdentityInterval, seed: host.random())
        identityChecks = IdentityChecks(capacity: limits.pendingValidations)
        parkedFrames = ParkedFrames(capacity: limits.parkedFrames, perPeer: limits.parkedFramesPerPeer)
        pathProber = PathProber(capacity: limits.pathProbes)
        delayedHellos = DelayedHellos(capacity: limits.delayedHellos)
        multicastDirectory = MulticastDirectory(limits: limits)
        configRequesters = ConfigRequesters(capacity: limits.configRequesters)
        selfAwareness = SelfAwareness(capacity: limits.surfaceReporters)
    }

    public var address: Address { identity.address }

    /// Whether this node is a root of its planet or one of its moons.
    public var isRoot: Bool { topology.isUpstream(address) }

    /// Our address as roots and peers report seeing it (what PUSH_DIRECT_PATHS tells peers, with `localAddresses`).
    public func surfaceAddresses(now: Int64) -> [InetAddress] { selfAwareness.addresses(now: now) }

    // MARK: Networks

    /// Joins a network: creates its state and asks its controller for a config.
    public func join(_ id: NetworkID, now: Int64) {
        guard networks[id] == nil else { return }
        let network = Network(id: id, node: address)
        networks[id] = network
        host.networkChanged(network.state)
        requestConfiguration(network, now: now)
    }

    /// Joins with a config remembered from before (restart): the network is up at once, and refreshed.
    public func join(_ id: NetworkID, savedConfig: [UInt8], now: Int64) {
        join(id, now: now)
        if let network = networks[id], network.config == nil,
            let config = try? NetworkConfig(bytes: savedConfig), config.issuedTo == address, config.network == id
        {
            apply(config, bytes: savedConfig, to: network, now: now)
        }
    }

    public func leave(_ id: NetworkID) {
        guard let network = networks.removeValue(forKey: id) else { return }
        var state = network.state
        state.joined = false
        host.networkChanged(state)
        host.store(.networkConfig(id), data: nil)
    }

    /// The multicast groups the host's tap wants (from its kernel); announced to the network.
    public func setMulticastSubscriptions(_ groups: Set<MulticastGroup>, network id: NetworkID, now: Int64) {
        guard let network = networks[id], network.subscriptions != groups else { return }
        let added = !groups.isSubset(of: network.subscriptions)
        network.subscriptions = groups
        if added { announceMulticastGroups(network, now: now) }
    }

    // MARK: Moons

    /// Adds a moon (from a file, or fetched); its roots become upstreams.
    public func orbit(_ moon: World) {
        topology.addMoon(moon)
    }

    /// `orbit <id> <seed>` without the moon's file: the seed is asked for it (our HELLOs list it with timestamp 0)
    /// and the moon is taken when the seed sends one naming the seed among its roots.
    public func orbit(moonID: UInt64, seed: Address, now: Int64) {
        guard !topology.moons.contains(where: { $0.id == moonID }) else { return }
        topology.addMoonSeed(moonID, seed: seed)
        contactMoonSeeds(now: now)
    }

    public func deorbit(_ id: UInt64) {
        topology.removeMoon(id)
        host.store(.moon(id), data: nil)
    }

    /// How full each of the node's bounded tables is, and its bound (for metrics, and tests that floods stay bounded).
    public struct TableSizes: Equatable, Sendable {
        public struct Size: Equatable, Sendable {
            public var count: Int
            public var capacity: Int
        }
        /// By table name (`peers`, `whoisOwn`, `reassembly`, …), in a fixed order.
        public var tables: [(name: String, size: Size)]

        public static func == (a: TableSizes, b: TableSizes) -> Bool {
            a.tables.map(\.name) == b.tables.map(\.name) && a.tables.map(\.size) == b.tables.map(\.size)
        }

        public subscript(_ name: String) -> Size? { tables.first { $0.name == name }?.size }
    }

    public var tableSizes: TableSizes {
        let l = configuration.limits
        let members = networks.values.reduce(0) { $0 + $1.members.count }
        return TableSizes(tables: [
            ("peers", .init(count: topology.peers.count, capacity: l.peers)),
            ("identityGate", .init(count: identityGate.capacity, capacity: identityGate.capacity)),
            ("identityChecks", .init(count: identityChecks.count, capacity: l.pendingValidations)),
            ("whoisOwn", .init(count: whois.ownCount, capacity: l.ownLookups)),
            ("whoisInbound", .init(count: whois.inboundCount, capacity: l.inboundLookups)),
            ("waitingPackets", .init(count: whois.waitingPackets.count, capacity: l.waitingPackets)),
            ("waitingSends", .init(count: whois.waitingSends.count, capacity: l.waitingSends)),
            ("reassembly", .init(count: reassembler.pending, capacity: reassembler.capacity)),
            ("parkedFrames", .init(count: parkedFrames.count, capacity: l.parkedFrames)),
            ("pathProbes", .init(count: pathProber.count, capacity: l.pathProbes)),
            ("delayedHellos", .init(count: delayedHellos.count, capacity: l.delayedHellos)),
            ("multicastDirectory", .init(count: multicastDirectory.count, capacity: l.multicastEntries)),
            ("configRequesters", .init(count: configRequesters.count, capacity: l.configRequesters)),
            ("surfaceReporters", .init(count: selfAwareness.count, capacity: l.surfaceReporters)),
            ("introductions", .init(count: topology.lastUnite.count, capacity: l.introductions)),
            ("memberships", .init(count: members, capacity: l.peers * max(1, networks.count))),
        ])
    }

    // MARK: Counting

    func drop(_ reason: DropReason) {
        statistics.drops[reason, default: 0] += 1
        host.event(.dropped(reason))
    }

    /// Random bits from the host.
    public func random() -> UInt64 { host.random() }
}

/// The network controller a node hands config requests to (SixplaneController implements it).
public protocol NetworkControllerHook: AnyObject {
    /// A member asks for `network`'s config. Answer with `node.sendNetworkConfig` or `node.sendNetworkConfigError`,
    /// now or later.
    func handleConfigRequest(
        node: Node, network: NetworkID, from requester: Identity, metadata: ConfigDictionary, requestPacketID: UInt64,
        now: Int64)
}
