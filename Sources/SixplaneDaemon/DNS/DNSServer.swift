import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SixplaneCore
import SixplaneDNS

#if canImport(Glibc)
import Glibc
#endif

/// DNS over UDP and TCP on a loop of its own (never the node's): a socket of each per address it answers on, bound
/// with FREEBIND so a network's address can be listened on before the tap carries it. Queries go through the
/// per-source limiter and the responder; forwarded questions wait in a bounded table, their answers relayed, or
/// SERVFAIL after `forwardTimeout`. TCP (for answers that did not fit a datagram) is bounded in connections, in
/// bytes waiting per connection and in idle time.
public final class DNSServer: @unchecked Sendable {
    // @unchecked: the channels and the forward table are touched only on `loop`; the rest is locked.
    public let loop: any EventLoop
    /// Where forwarded questions go (53; tests use another). On `loop`.
    public var forwardPort: Int
    private let state: NIOLockedValueBox<State>
    private var listeners: [IPAddress: (udp: any Channel, tcp: (any Channel)?)] = [:]
    private var connections: [ObjectIdentifier: any Channel] = [:]
    private var pods: PodNames?
    private var client: EventLoopFuture<any Channel>?
    private var listening: EventLoopFuture<Void>?
    private var wantedAddresses: Set<IPAddress> = []
    private var pending: [UInt16: Pending] = [:]
    private let logger = Logger(label: "sixplane.dns")
    private let docker = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public static let forwardLimit = 1024
    public static let connectionLimit = 256
    public static let idleTimeout: TimeAmount = .seconds(10)
    public static let forwardTimeout: Int64 = 2000

    struct State {
        var responder = DNSResponder()
        var limiter: DNSRateLimiter
        var counters = DNSCounters()
        /// What the host runs, by where it was learned ("docker", "cni").
        var hosted: [String: [HostedName]] = [:]
    }

    struct Pending {
        enum Asker {
            /// A client's question, relayed.
            case client(Reply)
            /// This host asking its own member name on a network.
            case hostName(NetworkID)
        }
        var asker: Asker
        var query: DNSMessage
        var server: IPAddress
        var deadline: Int64
    }

    /// Where an answer goes: a datagram (cut to the client's room) or a message on a TCP connection.
    enum Reply {
        case datagram(to: SocketAddress, via: any Channel, limit: Int)
        case stream(any Channel)
    }

    /// How often a host asks its member name (a rename shows within this).
    public static let hostNameInterval: Int64 = 2000

    public init(loop: any EventLoop, forwardPort: Int = 53, limiter: DNSRateLimiter = DNSRateLimiter()) {
        self.loop = loop
        self.forwardPort = forwardPort
        state = NIOLockedValueBox(State(limiter: limiter))
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { [weak self] _ in self?.expire() }
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(Self.hostNameInterval)) { [weak self] _ in
            self?.askHostNames()
        }
    }

    /// Changes the zones (from any thread); answers use the new ones at once.
    public func update(_ body: (inout DNSResponder) -> Void) { state.withLockedValue { body(&$0.responder) } }

    public var responder: DNSResponder { state.withLockedValue { $0.responder } }
    public var counters: DNSCounters { state.withLockedValue { $0.counters } }

    /// Listens on exactly `addresses` (port `port`): new ones bound, gone ones closed. Addresses that cannot be bound
    /// are logged and tried again on the next call.
    public func listen(on addresses: Set<IPAddress>, port: Int = 53) -> EventLoopFuture<Void> {
        // One after the other: a call made while another's binds are still in flight would bind the same address again.
        loop.flatSubmit { [self] in
            wantedAddresses = addresses
            let next = (listening ?? loop.makeSucceededVoidFuture()).flatMap { self.bindListeners(addresses, port: port) }
            listening = next
            return next
        }
    }

    private func bindListeners(_ addresses: Set<IPAddress>, port: Int) -> EventLoopFuture<Void> {
        for (ip, pair) in listeners where !addresses.contains(ip) {
            listeners[ip] = nil
            pair.udp.close(promise: nil)
            pair.tcp?.close(promise: nil)
        }
        let binds = addresses.subtracting(listeners.keys).sorted().map { ip in
            bind(ip, port: port).flatMap { udp in
                // TCP on the port UDP got (port 0: the kernel's choice); without it, UDP still answers.
                self.bindStream(ip, port: udp.localAddress?.port ?? port).map { Optional($0) }.recover { error in
                    self.logger.warning("cannot listen for TCP on [\(ip)]:\(port): \(error)")
                    return nil
                }.map { tcp in
                    // Gone from what is wanted while it was being bound (a later call): not kept.
                    guard self.wantedAddresses.contains(ip) else {
                        udp.close(promise: nil)
                        tcp?.close(promise: nil)
                        return
                    }
                    self.listeners[ip] = (udp, tcp)
                }
            }.flatMapErrorWithEventLoop { error, loop in
                self.logger.warning("cannot listen on [\(ip)]:\(port): \(error)")
                return loop.makeSucceededVoidFuture()
            }
        }
        return EventLoopFuture.andAllSucceed(binds, on: loop)
    }

    /// The port a listener got (port 0 asked for).
    public func port(of ip: IPAddress) -> EventLoopFuture<Int?> { loop.submit { self.listeners[ip]?.udp.localAddress?.port } }

    /// Sets what the host runs as one source knows it; the zones get every source's.
    public func host(_ named: [HostedName], from source: String) {
        state.withLockedValue { s in
            s.hosted[source] = named
            s.responder.setHosted(s.hosted.keys.sorted().flatMap { s.hosted[$0]! })
        }
    }

    /// Follows the pods the CNI plugin gives addresses (its books under `dataDir`), looking each second.
    public func watchPods(dataDir: String) {
        loop.execute { [self] in
            pods = PodNames(dataDir: dataDir)
            loop.scheduleRepeatedTask(initialDelay: .zero, delay: .seconds(1)) { [weak self] _ in
                guard let self, let named = self.pods?.read() else { return }
                self.host(named, from: "cni")
            }
        }
    }

    /// Follows the containers of the Docker engine at `socketPath` (their names under this host's name).
    public func watchDocker(socketPath: String) {
        let watcher = DockerWatcher(engine: DockerEngine(socketPath: socketPath, group: loop)) { [weak self] named in
            self?.host(named, from: "docker")
        }
        docker.withLockedValue { task in
            task?.cancel()
            task = Task { await watcher.run() }
        }
    }

    public func close() -> EventLoopFuture<Void> {
        docker.withLockedValue { task in
            task?.cancel()
            task = nil
        }
        return loop.flatSubmit { [self] in
            let asking = client
            let all = listeners.values.flatMap { [$0.udp] + ($0.tcp.map { [$0] } ?? []) } + Array(connections.values)
            wantedAddresses = []
            listeners = [:]
            connections = [:]
            client = nil
            asking?.whenSuccess { $0.close(promise: nil) }
            return EventLoopFuture.andAllComplete(all.map { $0.close() }, on: loop)
        }
    }

    /// FREEBIND for the address's family.
    private static func freebind(_ ip: IPAddress) -> ChannelOptions.Types.SocketOption {
        let level: CInt, name: CInt
        if case .v6 = ip { (level, name) = (CInt(IPPROTO_IPV6), 78 /* IPV6_FREEBIND */) } else { (level, name) = (CInt(IPPROTO_IP), CInt(IP_FREEBIND)) }
        return ChannelOptions.Types.SocketOption(level: NIOBSDSocket.OptionLevel(rawValue: level), name: NIOBSDSocket.Option(rawValue: name))
    }

    private func bind(_ ip: IPAddress, port: Int) -> EventLoopFuture<any Channel> {
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: ip.description, port: port) } catch { return loop.makeFailedFuture(error) }
        return DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(Self.freebind(ip), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Reader { [weak self] bytes, source in
                        self?.query(bytes, from: source) { .datagram(to: source, via: channel, limit: $0.map(DNSResponder.udpRoom) ?? 512) }
                    })
                }
            }
            .bind(to: address)
    }

    private func bindStream(_ ip: IPAddress, port: Int) -> EventLoopFuture<any Channel> {
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: ip.description, port: port) } catch { return loop.makeFailedFuture(error) }
        return ServerBootstrap(group: loop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(Self.freebind(ip), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .childChannelInitializer { [weak self] channel in
                guard let self, self.connections.count < Self.connectionLimit, let source = channel.remoteAddress else {
                    return channel.close()
                }
                let key = ObjectIdentifier(channel)
                self.connections[key] = channel
                channel.closeFuture.whenComplete { _ in self.connections[key] = nil }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
                    try channel.pipeline.syncOperations.addHandler(StreamReader { [weak self] bytes in
                        self?.query(bytes, from: source) { _ in .stream(channel) }
                    })
                }
            }
            .bind(to: address)
    }

    // MARK: Queries (on `loop`)

    private func query(_ bytes: [UInt8], from source: SocketAddress, reply: (DNSMessage?) -> Reply) {
        guard let ip = SocketAddresses.inet(source)?.ip else { return }
        let now = DaemonNode.now()
        let query = try? DNSMessage(parsing: bytes)
        let outcome: DNSOutcome = state.withLockedValue { s in
            guard s.limiter.admit(ip, now: now) else {
                s.counters.dropped[.rateLimited, default: 0] += 1
                return .drop(.rateLimited)
            }
            let o = query.map(s.responder.respond(to:)) ?? DNSResponder.unreadable(bytes)
            s.counters.count(o)
            return o
        }
        let to = reply(query)
        switch outcome {
        case .answer(let m): send(m, to)
        case .forward(let q, let server): ask(q, of: server, for: .client(to), now: now)
        case .drop: break
        }
    }

    private func send(_ m: DNSMessage, _ reply: Reply) {
        switch reply {
        case .datagram(let address, let channel, let limit): send(m, to: address, on: channel, limit: limit)
        case .stream(let channel):
            // Answers pile up for a client that asks and never reads: it is cut off instead.
            guard channel.isWritable else {
                channel.close(promise: nil)
                return
            }
            let bytes = m.serialized(limit: DNSMessage.maxSize)
            var buffer = channel.allocator.buffer(capacity: bytes.count + 2)
            buffer.writeInteger(UInt16(bytes.count))
            buffer.writeBytes(bytes)
            channel.writeAndFlush(buffer, promise: nil)
        }
    }

    private func send(_ m: DNSMessage, to address: SocketAddress, on channel: any Channel, limit: Int) {
        let bytes = m.serialized(limit: limit)
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    private func ask(_ query: DNSMessage, of server: IPAddress, for asker: Pending.Asker, now: Int64) {
        // The asking socket is IPv6 and dual-stack: an IPv4 server is reached at its IPv4-mapped address.
        let text = if case .v4(let v4) = server { "::ffff:\(v4)" } else { server.description }
        guard pending.count < Self.forwardLimit, let target = try? SocketAddress(ipAddress: text, port: forwardPort) else {
            fail(query, asker)
            return
        }
        // Random: a member that saw one forwarded question must not be able to guess the next one's id.
        var free = UInt16.random(in: .min ... .max)
        while pending[free] != nil { free = UInt16.random(in: .min ... .max) }
        let id = free
        var question = query
        question.header.id = id
        let asked = question
        pending[id] = Pending(asker: asker, query: query, server: server, deadline: now + Self.forwardTimeout)
        outbound().whenComplete { [self] result in
            guard case .success(let channel) = result else {
                if let p = pending.removeValue(forKey: id) { fail(p.query, p.asker) }
                return
            }
            send(asked, to: target, on: channel, limit: DNSMessage.maxSize)
        }
    }

    /// Each network with a server: what is my name there? (At most one question in flight per network.)
    private func askHostNames() {
        let now = DaemonNode.now()
        let asking = Set(pending.values.compactMap { if case .hostName(let id) = $0.asker { id } else { nil } })
        for (id, zone) in responder.zones.sorted(by: { $0.key < $1.key }) where !asking.contains(id) {
            guard let (query, server) = zone.hostNameQuery(id: 0) else { continue }
            ask(query, of: server, for: .hostName(id), now: now)
        }
    }

    /// The one socket questions are asked from (any address, a port of the kernel's choosing).
    private func outbound() -> EventLoopFuture<any Channel> {
        // The bind's future is kept, so that questions asked while it is being bound share the one socket.
        if let client { return client }
        let made = DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Reader { [weak self] bytes, source in self?.answered(bytes, from: source) })
                }
            }
            .bind(host: "::", port: 0)
            .map { channel in
                // Closed (an error, or the server closing): the next question binds a new one.
                channel.closeFuture.whenComplete { _ in self.client = nil }
                return channel
            }
        made.whenFailure { _ in self.client = nil }
        client = made
        return made
    }

    private func answered(_ bytes: [UInt8], from source: SocketAddress) {
        guard bytes.count >= 2, let ip = SocketAddresses.inet(source)?.ip else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        // Only the server asked, from port 53, with the question asked: anything else is a spoofing attempt.
        guard let p = pending[id], Self.sameHost(ip, p.server), source.port == forwardPort,
            var m = try? DNSMessage(parsing: bytes), m.header.isResponse, m.questions == p.query.questions
        else {
            state.withLockedValue { $0.counters.dropped[.forwardFailed, default: 0] += 1 }
            return
        }
        pending[id] = nil
        switch p.asker {
        case .client(let reply):
            m.header.id = p.query.header.id
            m.header.recursionDesired = true
            m.header.recursionAvailable = true
            m.header.authoritative = false
            send(m, reply)
        case .hostName(let network):
            update { $0.zones[network]?.learnHostName(from: m) }
        }
    }

    /// An IPv4 server answers the IPv6 socket as an IPv4-mapped address.
    static func sameHost(_ a: IPAddress, _ b: IPAddress) -> Bool {
        if a == b { return true }
        if case .v6(let m) = a, case .v4(let v4) = b { return m.high == 0 && m.low == 0xffff_0000_0000 | UInt64(v4.rawValue) }
        return false
    }

    private func fail(_ query: DNSMessage, _ asker: Pending.Asker) {
        // Not knowing its name this time, a host keeps the one it had.
        guard case .client(let reply) = asker else { return }
        var m = query
        m.header.isResponse = true
        m.header.recursionDesired = true
        m.header.recursionAvailable = true
        m.header.rcode = DNSMessage.RCode.serverFailure
        m.answers = []
        m.authorities = []
        m.additionals = []
        state.withLockedValue { $0.counters.dropped[.forwardFailed, default: 0] += 1 }
        send(m, reply)
    }

    private func expire() {
        let now = DaemonNode.now()
        for (id, p) in pending where p.deadline <= now {
            pending[id] = nil
            fail(p.query, p.asker)
        }
    }

    /// A socket's datagrams, handed to `read` as bytes with their source.
    final class Reader: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let read: ([UInt8], SocketAddress) -> Void
        init(_ read: @escaping ([UInt8], SocketAddress) -> Void) { self.read = read }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            read(Array(envelope.data.readableBytesView), envelope.remoteAddress)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {}
    }

    /// A TCP connection's messages (each after its two-byte length, RFC 1035 §4.2.2), handed to `read` one by one;
    /// the connection is closed when idle too long or when it sends what cannot be a message.
    final class StreamReader: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let read: ([UInt8]) -> Void
        private var buffer = ByteBuffer()
        init(_ read: @escaping ([UInt8]) -> Void) { self.read = read }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            buffer.writeBuffer(&incoming)
            while let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) {
                guard length >= 12 else {
                    context.close(promise: nil)
                    return
                }
                guard buffer.readableBytes >= 2 + Int(length) else { break }
                buffer.moveReaderIndex(forwardBy: 2)
                read(buffer.readBytes(length: Int(length)) ?? [])
            }
            buffer.discardReadBytes()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
    }
}

/// What the DNS server did, for the metrics.
public struct DNSCounters: Sendable, Equatable {
    /// Answers by RCODE (0 NOERROR, 3 NXDOMAIN, 5 REFUSED, ...).
    public var answers: [UInt8: Int] = [:]
    public var forwarded = 0
    public var dropped: [DNSDrop: Int] = [:]

    public static func rcodeName(_ rcode: UInt8) -> String {
        switch rcode {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        default: "RCODE\(rcode)"
        }
    }

    mutating func count(_ o: DNSOutcome) {
        switch o {
        case .answer(let m): answers[m.header.rcode, default: 0] += 1
        case .forward: forwarded += 1
        case .drop(let reason): dropped[reason, default: 0] += 1
        }
    }
}
