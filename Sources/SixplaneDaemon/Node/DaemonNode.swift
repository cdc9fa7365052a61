import Foundation
import Logging
import NIOCore
import CSixplaneTap
import SixplaneController
import SixplaneCore

/// The node in a process: the I/O-free core wired to UDP sockets, tap devices, the home folder and the OS.
///
/// Everything here runs on one event loop (`loop`), the node's serialized context: datagrams arrive on it (the
/// sockets are on the same loop), tap readers and API calls hop onto it.
public final class DaemonNode: NodeHost, @unchecked Sendable {
    public let loop: any EventLoop
    public let home: Home
    public let identity: Identity
    public private(set) var node: Node!
    public private(set) var controller: Controller?
    let logger = Logger(label: "sixplane.node")
    let netconf: NetworkConfigurator
    /// Index = the node's local socket number: 0 IPv4, 1 IPv6.
    var sockets: [(any Channel)?] = [nil, nil]
    /// Descriptors of the same two sockets, for sending with sendto (-1: none).
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
    private let validationQueue = DispatchQueue(label: "sixplane.identity-validation")
    private let validator = IdentityValidator()
    private var lastControllerTick: Int64 = 0
    private var lastResync: Int64 = 0
    private var lastInterfaceScan: Int64 = 0
    private var stopped = false
    /// Set while the frames of one socket read are delivered (the taps merge them, flushed at its end).
    private var readingSocket = false
    /// Cleared when the kernel refuses UDP_SEGMENT.
    private var gsoAvailable = true

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

    /// Makes the node (on the loop), rejoins saved networks, loads cached peers, attaches the controller.
    func start(configuration: NodeConfiguration, controllerStore: ControllerStore?) {
        loop.preconditionInEventLoop()
        node = Node(configuration: configuration, host: self)
        if let controllerStore {
            let controller = Controller(identity: identity, store: controllerStore)
            controller.attach(to: node)
            self.controller = controller
            controllerStore.observeExternalChanges { [weak self, loop] in
                guard let self else { return }
                loop.execute { self.controller?.tick(now: Self.now()) }
            }
        }
        let now = Self.now()
        for (id, saved) in home.joinedNetworks() {
            settings[id] = home.localSettings(id)
            if let saved { node.join(id, savedConfig: saved, now: now) } else { node.join(id, now: now) }
        }
        scanInterfaces(now)
        scheduleTick()
    }

    private func scheduleTick() {
        loop.scheduleTask(in: .milliseconds(100)) { [weak self] in
            guard let self, !self.stopped else { return }
            let now = Self.now()
            _ = self.node.tick(now: now)
            if now - self.lastControllerTick >= 1000 {
                self.lastControllerTick = now
                self.controller?.tick(now: now)
            }
            if now - self.lastResync >= 30_000 {
                self.lastResync = now
                self.netconf.resync()
            }
            if now - self.lastInterfaceScan >= 60_000 { self.scanInterfaces(now) }
            self.scheduleTick()
        }
    }

    /// Our physical addresses (for PUSH_DIRECT_PATHS), from every interface but our own and other overlays (names
    /// starting lo, zt, tun, tap); the node leaves out the ones no path may use (loopback, link-local, inside one
    /// of our networks).
    private func scanInterfaces(_ now: Int64) {
        lastInterfaceScan = now
        guard port != 0 else { return }
        var found: [InetAddress] = []
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return }
        defer { freeifaddrs(list) }
        var p = list
        while let ifa = p {
            defer { p = ifa.pointee.ifa_next }
            let name = String(cString: ifa.pointee.ifa_name)
            guard !["lo", "zt", "tun", "tap"].contains(where: { name.hasPrefix($0) }), let sa = ifa.pointee.ifa_addr else { continue }
            switch Int32(sa.pointee.sa_family) {
            case AF_INET:
                let a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                found.append(.ipv4(IPv4Address(rawValue: UInt32(bigEndian: a.sin_addr.s_addr)), port: UInt16(port)))
            case AF_INET6:
                let a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                found.append(.ipv6(SocketAddresses.ipv6(a.sin6_addr), port: UInt16(port)))
            default: continue
            }
        }
        node.localAddresses = found
    }

    // MARK: Datagrams

    /// One read from a socket: a datagram, or with UDP GRO several of `segmentSize` bytes end to end (the last may be
    /// shorter).
    func receive(_ buffer: inout ByteBuffer, from address: SocketAddress, socket: Int, segmentSize: Int? = nil) {
        guard let from = SocketAddresses.inet(address) else { return }
        let now = Self.now()
        // The frames of one read go to the taps together: TCP segments of one flow merge into one write.
        readingSocket = true
        defer {
            readingSocket = false
            for tap in taps.values { tap.flush() }
        }
        buffer.withUnsafeMutableReadableBytes { all in
            guard let size = segmentSize, size > 0, size < all.count else {
                node.receive(datagram: all, from: from, localSocket: socket, now: now)
                return
            }
            counters.groReads += 1
            var at = 0
            while at < all.count {
                let end = min(at + size, all.count)
                node.receive(datagram: UnsafeMutableRawBufferPointer(rebasing: all[at..<end]), from: from, localSocket: socket, now: now)
                at = end
            }
        }
    }

    private func sendDescriptor(for address: InetAddress) -> Int32 {
        if case .ipv4 = address { sendDescriptors[0] } else { sendDescriptors[1] }
    }

    public func send(datagram: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int, ttl: Int?) -> Bool {
        let fd = sendDescriptor(for: address)
        guard fd >= 0, let n = SocketAddresses.withSockaddr(address, { sendto(fd, datagram.baseAddress, datagram.count, Int32(MSG_DONTWAIT), $0, $1) })
        else { return false }
        // Unreachable networks, full buffers: the datagram is lost, as UDP may lose it anyway; the node retries.
        if n < 0 { counters.sendErrors += 1 }
        return n >= 0
    }

    /// Several datagrams to one address in one sendmsg with UDP GSO (UDP_SEGMENT); one by one where the kernel or
    /// the device cannot, which is then remembered.
    public func send(segments: UnsafeRawBufferPointer, segmentSize: Int, to address: InetAddress, localSocket: Int) {
        let fd = sendDescriptor(for: address)
        if segments.count > segmentSize, gsoAvailable, fd >= 0, segmentSize <= Int(UInt16.max) {
            guard
                let n = SocketAddresses.withSockaddr(address, {
                    sixplane_send_segments(fd, segments.baseAddress, UInt(segments.count), UInt16(segmentSize), $0, $1)
                })
            else { return }  // not an address a socket can send to
            guard n < 0 else {
                counters.gsoSends += 1
                return
            }
            switch Int32(-n) {
            case EIO, ENOPROTOOPT, EOPNOTSUPP:
                gsoAvailable = false
                logger.info("UDP GSO unavailable (\(String(cString: strerror(Int32(-n))))): sending datagrams one by one")
            case EINVAL: break  // this batch only (e.g. a path whose MTU is smaller)
            default:
                counters.sendErrors += (segments.count + segmentSize - 1) / segmentSize
                return
            }
        }
        sendOneByOne(segments: segments, segmentSize: segmentSize, to: address, localSocket: localSocket)
    }

    // MARK: Taps

    public func deliver(network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        guard let tap = taps[network] else { return }
        tap.write(source: source, destination: destination, etherType: etherType, payload: payload)
        // Outside a socket read (an NDP answer from the tap's own side) nothing follows to merge with.
        if !readingSocket { tap.flush() }
    }

    public func networkChanged(_ state: NetworkState) {
        let id = state.network
        guard state.joined, state.status != .accessDenied, state.status != .notFound else {
            removeTap(id)
            return
        }
        guard state.status == .ok, let config = state.config else { return }
        let tap: TapDevice
        if let existing = taps[id] {
            tap = existing
            tap.setMTU(Int(config.mtu))
        } else {
            let name = interfaceNames[id] ?? TapName.free(for: id) { FileIO.exists("/proc/sys/net/ipv4/conf/\($0)") }
            do {
                tap = try TapDevice(name: name, network: id, mac: state.mac, mtu: Int(config.mtu))
            } catch {
                logger.error("\(error)", metadata: ["network": "\(id)"])
                return
            }
            taps[id] = tap
            let loop = self.loop
            tap.start { [weak self] frames in
                guard let self else { return }
                loop.execute { self.framesFromTap(frames, network: id) }
            }
            logger.info("network \(id): tap \(name) up")
        }
        let settings = settings[id] ?? LocalNetworkSettings()
        netconf.apply(ManagedPlan(config: config, settings: settings), to: tap.name)
    }

    private func framesFromTap(_ frames: [EthernetFrame], network: NetworkID) {
        guard !stopped else { return }
        let now = Self.now()
        node.receive(frames: frames, network: network, now: now)
    }

    func removeTap(_ id: NetworkID) {
        guard let tap = taps.removeValue(forKey: id) else { return }
        netconf.forget(tap.name)
        tap.close()
        logger.info("network \(id): tap \(tap.name) removed")
    }

    public func tapName(_ id: NetworkID) -> String? { taps[id]?.name }

    // MARK: State

    public func store(_ object: StateObject, data: [UInt8]?) {
        let path: String
        switch object {
        case .planet: path = home.planetPath
        case .moon(let id): path = home.moonPath(id)
        case .peer(let a):
            do { try peerCache.store(a, data) } catch { logger.warning("cannot store peer \(a): \(error)") }
            return
        case .networkConfig(let id): path = home.configPath(id)
        }
        do {
            if let data { try FileIO.write(path, data) } else { unlink(path) }
        } catch {
            logger.warning("cannot store \(path): \(error)")
        }
    }

    public func random() -> UInt64 { rng.next() }

    public func load(_ object: StateObject) -> [UInt8]? {
        guard case .peer(let a) = object else { return nil }
        return peerCache.load(a)
    }

    /// Validates on `validationQueue` and hands the verdict back to the node on its loop, with the CPU time it took.
    public func validateLater(_ identity: Identity) -> Bool {
        let loop = self.loop, validator = self.validator
        validationQueue.async { [weak self] in
            let started = Self.threadCPUNanoseconds()
            let valid = validator.isValid(identity)
            let spent = Self.threadCPUNanoseconds() - started
            guard let daemon = self else { return }
            loop.execute {
                guard !daemon.stopped else { return }
                daemon.counters.identityValidations += 1
                daemon.counters.identityValidationNanoseconds += spent
                daemon.node.identityChecked(identity, valid: valid, now: Self.now())
            }
        }
        return true
    }

    /// CPU time of the calling thread.
    static func threadCPUNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Validations per second that fit in `share` of a core, from timing one on this machine (the node's budget
    /// for strangers' identities).
    public static func validationBudget(share: Double = 0.2, probe: Identity) -> Int {
        let started = threadCPUNanoseconds()
        _ = probe.publicOnly.isValid
        let seconds = Double(max(1, threadCPUNanoseconds() - started)) / 1e9
        return max(2, min(1000, Int(share / seconds)))
    }

    public func event(_ event: NodeEvent) {
        switch event {
        case .online: logger.info("online")
        case .offline: logger.warning("offline: no root answered lately")
        case .dropped: counters.eventsDropped += 1
        default: logger.debug("\(event)")
        }
    }

    // MARK: Operations (on the loop)

    /// Joins (or re-applies the settings of) a network; persists the join.
    public func join(_ id: NetworkID, settings newSettings: LocalNetworkSettings?) throws(DaemonError) {
        if node.networks[id] == nil {
            if !FileIO.exists(home.configPath(id)) { try FileIO.write(home.configPath(id), [0x0a]) }
            node.join(id, now: Self.now())
        }
        let s = newSettings ?? settings[id] ?? home.localSettings(id)
        settings[id] = s
        try home.writeLocalSettings(s, id)
        if let network = node.networks[id], let tap = taps[id], let config = network.config, network.status == .ok {
            netconf.apply(ManagedPlan(config: config, settings: s), to: tap.name)
        }
    }

    /// Leaves a network: tap removed, files deleted. False if it was not joined.
    public func leave(_ id: NetworkID) -> Bool {
        guard node.networks[id] != nil else { return false }
        node.leave(id)
        removeTap(id)
        settings[id] = nil
        unlink(home.configPath(id))
        unlink(home.localSettingsPath(id))
        return true
    }

    /// Stops: taps removed (and with them their addresses and routes); state is already on disk.
    func shutdown() {
        stopped = true
        for id in taps.keys.sorted() { removeTap(id) }
        netconf.drain()
    }
}

/// The memory-hard hash's 2 MiB, allocated once for every validation (a fresh 2 MiB per stranger would leave the
/// allocator holding far more than that after a flood).
final class IdentityValidator: @unchecked Sendable {
    // @unchecked: used only on DaemonNode.validationQueue, a serial queue, so the buffer is never shared.
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: MemoryHardHash.memorySize, alignment: 64)

    deinit { scratch.deallocate() }

    func isValid(_ identity: Identity) -> Bool { (try? identity.validate(scratch: scratch)) != nil }
}

/// Counts the shell keeps besides the node's own statistics.
public struct DaemonCounters: Sendable {
    public var eventsDropped = 0
    public var apiRequests = 0
    public var apiUnauthorized = 0
    public var sendErrors = 0
    /// sendmsg calls that sent several datagrams at once (UDP GSO).
    public var gsoSends = 0
    /// Reads that returned several datagrams at once (UDP GRO).
    public var groReads = 0
    /// New peers' identities validated off the loop, and the CPU time that took.
    public var identityValidations = 0
    public var identityValidationNanoseconds: Int64 = 0
}
