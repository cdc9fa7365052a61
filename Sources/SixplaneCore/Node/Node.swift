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
    /// Our address as roots and peers report seeing it (for PUSH_DIRECT_PATHS).
    public internal(set) var surfaceAddresses: [InetAddress: Int64] = [:]
    /// Addresses of our host's interfaces that peers may try (set by the host).
    public var localAddresses: [InetAddress] = []

    let reassembler = Reassembler()
    var replies = ReplyTracker()
    /// Packets from peers we do not know yet, waiting for WHOIS.
    var receiveQueue: [(packet: [UInt8], address: InetAddress, localSocket: Int, queued: Int64)] = []
    /// Packets for peers we do not know yet, waiting for WHOIS.
    var sendQueue: [(destination: Address, verb: UInt8, payload: [UInt8], expectReply: Bool, queued: Int64)] = []
    var whoisPending: [Address: (first: Int64, last: Int64)] = [:]
    /// Frames that failed a network gate, retried for a while in case the sender's certificate arrives.
    var parkedFrames: [(message: Message, packetID: UInt64, peer: Address, parked: Int64, lastTry: Int64)] = []
    /// When we last probed an unconfirmed address with HELLO.
    var pathProbes: [InetAddress: Int64] = [:]
    /// When a new identity was last accepted from each source subnet.
    var identityGate: [UInt64: Int64] = [:]
    /// Who wants which multicast group on each network (from LIKEs and gather results).
    var multicastDirectory: [NetworkID: [MulticastGroup: [Address: Int64]]] = [:]
    /// As a controller: when each member last requested each network's config (LIKEs to the controller need it).
    var configRequesters: [NetworkID: [Address: Int64]] = [:]
    var nextPingCheck: Int64 = 0
    /// Datagrams on their way out; held back only while a burst of tap frames is handled (`batching`).
    let transmitBatch = TransmitBatch()
    var batching = false
    /// Where FRAMEs from the tap are built and armored: one packet's room, reused.
    var sealScratch = [UInt8](repeating: 0, count: Packet.maxLength)

    public init(configuration: NodeConfiguration, host: NodeHost) {
        precondition(configuration.identity.hasSecret, "a node needs its secret key")
        self.configuration = configuration
        self.identity = configuration.identity
        self.host = host
        topology = Topology(planet: configuration.planet, moons: configuration.moons)
    }

    public var address: Address { identity.address }

    /// Whether this node is a root of its planet or one of its moons.
    public var isRoot: Bool { topology.isUpstream(address) }

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

    // MARK: Peers

    /// A peer remembered from before (the daemon's `peers.d`): known without a WHOIS, and tried once at each of its
    /// last addresses.
    public func addCachedPeer(_ identity: Identity, addresses: [InetAddress], now: Int64) {
        guard let peer = addPeer(identity.publicOnly, now: now) else { return }
        for a in addresses where isUsablePath(a) {
            pathProbes[a] = now
            sendHello(to: peer, address: a, localSocket: 0, now: now)
        }
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

    /// How full the node's bounded queues are (for metrics, and tests that floods stay bounded).
    public struct QueueSizes: Equatable, Sendable {
        public var receiveQueue: Int
        public var sendQueue: Int
        public var parkedFrames: Int
        public var whoisPending: Int
        public var reassembly: Int
    }

    public var queueSizes: QueueSizes {
        QueueSizes(
            receiveQueue: receiveQueue.count, sendQueue: sendQueue.count, parkedFrames: parkedFrames.count,
            whoisPending: whoisPending.count, reassembly: reassembler.pending)
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
