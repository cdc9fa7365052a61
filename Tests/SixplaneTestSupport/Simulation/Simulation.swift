import Foundation
import Glibc
import SixplaneCore

/// A deterministic in-memory network for many `Node`s: a virtual clock, a datagram fabric with seeded loss, delay,
/// reordering and duplication, and NAT boxes. Given the same seed, a run is the same run.
public final class Simulation {
    public struct Conditions: Sendable {
        public var loss: Double
        public var delay: ClosedRange<Int64>
        public var duplicate: Double

        public init(loss: Double = 0, delay: ClosedRange<Int64> = 1...5, duplicate: Double = 0) {
            self.loss = loss
            self.delay = delay
            self.duplicate = duplicate
        }
    }

    public private(set) var now: Int64
    public var conditions: Conditions
    var rng: SeededGenerator
    private var queue = EventQueue()
    private var sequence = 0
    public private(set) var hosts: [SimHost] = []
    private var byAddress: [IPv4Address: SimHost] = [:]
    private var nats: [IPv4Address: NAT] = [:]
    /// Every datagram carried, for inspection.
    public private(set) var carried = 0
    public private(set) var carriedBytes = 0
    public private(set) var lost = 0
    /// Lets a test watch datagrams on the wire (after NAT): (from, to, bytes).
    public var tap: ((InetAddress, InetAddress, [UInt8]) -> Void)?

    public init(seed: UInt64, start: Int64 = 1_800_000_000_000, conditions: Conditions = Conditions()) {
        rng = SeededGenerator(seed: seed)
        now = start
        self.conditions = conditions
    }

    public func random() -> UInt64 { rng.next() }

    // MARK: Building

    /// Adds a node at a private address (optionally behind a NAT) and schedules its first tick.
    @discardableResult
    public func addNode(
        identity: Identity, address: IPv4Address, nat: NAT? = nil, planet: World,
        validate: @escaping @Sendable (Identity) -> Bool = SimIdentityCache.shared.validate, limits: NodeLimits = NodeLimits()
    ) -> SimHost {
        let host = SimHost(simulation: self, address: .ipv4(address, port: 9993), nat: nat)
        host.start(NodeConfiguration(identity: identity, planet: planet, validateIdentity: validate, newIdentityInterval: 0, limits: limits))
        hosts.append(host)
        if let nat {
            nats[nat.publicAddress] = nat
        } else {
            byAddress[address] = host
        }
        nat?.inside[address] = host
        schedule(at: now, .tick(host))
        return host
    }

    public func remove(_ host: SimHost) {
        host.stopped = true
        byAddress = byAddress.filter { $0.value !== host }
    }

    // MARK: Running

    enum Event {
        case datagram(to: SimHost, from: InetAddress, bytes: [UInt8])
        case tick(SimHost)
        case action(() -> Void)
    }

    func schedule(at time: Int64, _ event: Event) {
        sequence += 1
        queue.push(time: time, sequence: sequence, event)
    }

    /// Runs a closure at a future time.
    public func at(_ time: Int64, _ action: @escaping () -> Void) { schedule(at: time, .action(action)) }

    /// Processes events until `time` (inclusive).
    public func run(until time: Int64) {
        while let next = queue.peekTime, next <= time {
            let (eventTime, event) = queue.pop()!
            now = eventTime
            switch event {
            case .datagram(let host, let from, let bytes):
                guard !host.stopped else { continue }
                host.node.receive(datagram: bytes, from: from, localSocket: 0, now: now)
            case .tick(let host):
                guard !host.stopped else { continue }
                let next = host.node.tick(now: now)
                schedule(at: max(next, now + 1), .tick(host))
            case .action(let action):
                action()
            }
        }
        now = time
    }

    public func run(for duration: Int64) { run(until: now + duration) }

    /// Runs until `condition` holds (checked every 100 ms of virtual time) or `timeout` passes; returns whether it
    /// held.
    @discardableResult
    public func run(until condition: () -> Bool, timeout: Int64) -> Bool {
        let deadline = now + timeout
        while now < deadline {
            if condition() { return true }
            run(for: 100)
        }
        return condition()
    }

    // MARK: The fabric

    /// A datagram sent with a TTL of at most `shortLivedTTL` opens the sender's own NAT and dies in the next
    /// router, as between two homes on the internet.
    public static let shortLivedTTL = 2

    func send(from host: SimHost, bytes: [UInt8], to destination: InetAddress, ttl: Int? = nil) {
        guard case .ipv4(let dip, let dport) = destination else { return }
        // Leaving through the sender's NAT rewrites the source.
        var source = host.address
        if let nat = host.nat { source = nat.outbound(from: host.address, to: destination) }
        if let ttl, ttl <= Self.shortLivedTTL { return }
        guard Double(rng.next() % 1_000_000) / 1_000_000 >= conditions.loss else {
            lost += 1
            return
        }
        let copies = Double(rng.next() % 1_000_000) / 1_000_000 < conditions.duplicate ? 2 : 1
        for _ in 0..<copies {
            let span = UInt64(conditions.delay.upperBound - conditions.delay.lowerBound + 1)
            let delay = conditions.delay.lowerBound + Int64(rng.next() % span)
            carried += 1
            carriedBytes += bytes.count
            tap?(source, destination, bytes)
            if let nat = nats[dip] {
                guard let inside = nat.inbound(from: source, toPort: dport) else { continue }
                schedule(at: now + delay, .datagram(to: inside, from: source, bytes: bytes))
            } else if let target = byAddress[dip] {
                schedule(at: now + delay, .datagram(to: target, from: source, bytes: bytes))
            }
        }
    }
}

/// A host of the simulation: owns one node and records what the node hands it.
public final class SimHost: NodeHost {
    unowned let simulation: Simulation
    public let address: InetAddress
    public let nat: NAT?
    public private(set) var node: Node!
    public var stopped = false
    /// Frames written to this host's taps.
    public private(set) var delivered: [(network: NetworkID, frame: EthernetFrame)] = []
    public private(set) var networkStates: [NetworkID: NetworkState] = [:]
    public private(set) var stored: [StateObject: [UInt8]] = [:]
    public private(set) var events: [NodeEvent] = []
    /// Datagrams this host sent.
    public private(set) var sent = 0
    /// Each `send(segments:)` the node made: how many datagrams, their size (the last may be shorter), bytes.
    public var segmentCalls: [(datagrams: Int, segmentSize: Int, bytes: Int)] = []

    init(simulation: Simulation, address: InetAddress, nat: NAT?) {
        self.simulation = simulation
        self.address = address
        self.nat = nat
    }

    func start(_ configuration: NodeConfiguration) {
        node = Node(configuration: configuration, host: self)
    }

    public func send(datagram: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int, ttl: Int?) {
        sent += 1
        simulation.send(from: self, bytes: Array(datagram), to: address, ttl: ttl)
    }

    public func send(segments: UnsafeRawBufferPointer, segmentSize: Int, to address: InetAddress, localSocket: Int) {
        segmentCalls.append(((segments.count + segmentSize - 1) / segmentSize, segmentSize, segments.count))
        sendOneByOne(segments: segments, segmentSize: segmentSize, to: address, localSocket: localSocket)
    }

    public func deliver(network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        delivered.append((network, EthernetFrame(destination: destination, source: source, etherType: etherType, payload: Array(payload))))
    }

    public func networkChanged(_ state: NetworkState) { networkStates[state.network] = state }
    public func store(_ object: StateObject, data: [UInt8]?) { stored[object] = data }
    public func load(_ object: StateObject) -> [UInt8]? { stored[object] }
    public func random() -> UInt64 { simulation.random() }
    public func event(_ event: NodeEvent) {
        if case .dropped = event { return }
        events.append(event)
    }

    public func clearDelivered() { delivered.removeAll() }
}

/// A NAT in front of one or more hosts.
public final class NAT {
    public enum Kind: Sendable {
        /// One public port per inside socket, reused for every destination, and inbound only from endpoints it has
        /// sent to (a port-restricted cone: hole punching works between two of these).
        case portPreserving
        /// A new public port for every destination (hole punching fails; traffic stays relayed).
        case symmetric
        /// Port-preserving like Linux's masquerading: but a packet from an endpoint it has not sent to is
        /// remembered, and a later flow from inside to that endpoint is given another port, since the preserved one
        /// would collide with the stranger's entry. A HELLO that arrives before this NAT opened spoils the punch.
        case conntrack
    }

    public let publicAddress: IPv4Address
    public let kind: Kind
    var inside: [IPv4Address: SimHost] = [:]
    private var nextPort: UInt16 = 20000
    private var mappings: [String: UInt16] = [:]
    private var reverse: [UInt16: InetAddress] = [:]
    /// Remote endpoints each public port has sent to (inbound is allowed only from these).
    private var opened: [UInt16: Set<String>] = [:]
    /// `.conntrack`: remote endpoints that reached each public port before it sent to them.
    private var strangers: [UInt16: Set<String>] = [:]

    public init(publicAddress: IPv4Address, kind: Kind) {
        self.publicAddress = publicAddress
        self.kind = kind
    }

    func outbound(from source: InetAddress, to destination: InetAddress) -> InetAddress {
        var key = kind == .symmetric ? "\(source)->\(destination)" : "\(source)"
        if kind == .conntrack, let p = mappings[key], strangers[p]?.contains(filterKey(destination)) == true,
            opened[p]?.contains(filterKey(destination)) != true
        {
            key = "\(source)->\(destination)"
        }
        let port: UInt16
        if let p = mappings[key] {
            port = p
        } else {
            if kind != .symmetric, reverse[source.port] == nil {
                port = source.port
            } else {
                nextPort += 1
                port = nextPort
            }
            mappings[key] = port
            reverse[port] = source
        }
        opened[port, default: []].insert(filterKey(destination))
        return .ipv4(publicAddress, port: port)
    }

    func inbound(from source: InetAddress, toPort port: UInt16) -> SimHost? {
        guard let inner = reverse[port], opened[port]?.contains(filterKey(source)) == true,
            case .ipv4(let ip, _) = inner
        else {
            if kind == .conntrack { strangers[port, default: []].insert(filterKey(source)) }
            return nil
        }
        return inside[ip]
    }

    /// Both kinds filter inbound by remote IP and port.
    private func filterKey(_ a: InetAddress) -> String { "\(a)" }
}

/// Identity validation costs ~7 ms; a simulation validates each identity once for all its nodes.
public final class SimIdentityCache: @unchecked Sendable {
    // @unchecked: the dictionary is only touched under `lock`.
    public static let shared = SimIdentityCache()
    private let lock = NSLock()
    private var verdicts: [Identity: Bool] = [:]

    public func validate(_ identity: Identity) -> Bool {
        if let v = lock.withLock({ verdicts[identity] }) { return v }
        let v = identity.isValid
        lock.withLock { verdicts[identity] = v }
        return v
    }
}

/// A pthread mutex (Foundation-free for this module's Sendable needs).

/// A binary heap of events ordered by (time, sequence).
struct EventQueue {
    private var heap: [(time: Int64, sequence: Int, event: Simulation.Event)] = []

    var peekTime: Int64? { heap.first?.time }

    private func less(_ a: Int, _ b: Int) -> Bool {
        (heap[a].time, heap[a].sequence) < (heap[b].time, heap[b].sequence)
    }

    mutating func push(time: Int64, sequence: Int, _ event: Simulation.Event) {
        heap.append((time, sequence, event))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Int64, Simulation.Event)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < heap.count && less(l, smallest) { smallest = l }
            if r < heap.count && less(r, smallest) { smallest = r }
            guard smallest != i else { break }
            heap.swapAt(i, smallest)
            i = smallest
        }
        return (top.time, top.event)
    }
}
