import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SixplaneCore
import SixplaneDNS

#if canImport(Glibc)
import Glibc
#endif

/// DNS over UDP on a loop of its own (never the node's): one socket per address it answers on, each bound with
/// FREEBIND so a network's address can be listened on before the tap carries it. Queries go through the per-source
/// limiter and the responder; forwarded questions wait in a bounded table, their answers relayed, or SERVFAIL after
/// `forwardTimeout`.
public final class DNSServer: @unchecked Sendable {
    // @unchecked: the channels and the forward table are touched only on `loop`; the rest is locked.
    public let loop: any EventLoop
    /// Where forwarded questions go (53; tests use another). On `loop`.
    public var forwardPort: Int
    private let state: NIOLockedValueBox<State>
    private var listeners: [IPAddress: any Channel] = [:]
    private var client: (any Channel)?
    private var pending: [UInt16: Pending] = [:]
    private var nextID = UInt16.random(in: .min ... .max)
    private let logger = Logger(label: "sixplane.dns")

    public static let forwardLimit = 1024
    public static let forwardTimeout: Int64 = 2000

    struct State {
        var responder = DNSResponder()
        var limiter: DNSRateLimiter
        var counters = DNSCounters()
    }

    struct Pending {
        var client: SocketAddress
        var via: any Channel
        var query: DNSMessage
        var server: IPAddress
        var deadline: Int64
        var limit: Int
    }

    public init(loop: any EventLoop, forwardPort: Int = 53, limiter: DNSRateLimiter = DNSRateLimiter()) {
        self.loop = loop
        self.forwardPort = forwardPort
        state = NIOLockedValueBox(State(limiter: limiter))
        loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { [weak self] _ in self?.expire() }
    }

    /// Changes the zones (from any thread); answers use the new ones at once.
    public func update(_ body: (inout DNSResponder) -> Void) { state.withLockedValue { body(&$0.responder) } }

    public var responder: DNSResponder { state.withLockedValue { $0.responder } }
    public var counters: DNSCounters { state.withLockedValue { $0.counters } }

    /// Listens on exactly `addresses` (port `port`): new ones bound, gone ones closed. Addresses that cannot be bound
    /// are logged and tried again on the next call.
    public func listen(on addresses: Set<IPAddress>, port: Int = 53) -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            for (ip, channel) in listeners where !addresses.contains(ip) {
                listeners[ip] = nil
                channel.close(promise: nil)
            }
            let binds = addresses.subtracting(listeners.keys).sorted().map { ip in
                bind(ip, port: port).map { self.listeners[ip] = $0 }.flatMapErrorWithEventLoop { error, loop in
                    self.logger.warning("cannot listen on [\(ip)]:\(port): \(error)")
                    return loop.makeSucceededVoidFuture()
                }
            }
            return EventLoopFuture.andAllSucceed(binds, on: loop)
        }
    }

    /// The port a listener got (port 0 asked for).
    public func port(of ip: IPAddress) -> EventLoopFuture<Int?> { loop.submit { self.listeners[ip]?.localAddress?.port } }

    public func close() -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            let all = Array(listeners.values) + (client.map { [$0] } ?? [])
            listeners = [:]
            client = nil
            return EventLoopFuture.andAllComplete(all.map { $0.close() }, on: loop)
        }
    }

    private func bind(_ ip: IPAddress, port: Int) -> EventLoopFuture<any Channel> {
        let level: CInt, name: CInt
        if case .v6 = ip { (level, name) = (CInt(IPPROTO_IPV6), 78 /* IPV6_FREEBIND */) } else { (level, name) = (CInt(IPPROTO_IP), CInt(IP_FREEBIND)) }
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: ip.description, port: port) } catch { return loop.makeFailedFuture(error) }
        return DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: NIOBSDSocket.OptionLevel(rawValue: level), name: NIOBSDSocket.Option(rawValue: name)), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Reader { [weak self] in self?.query($0, from: $1, on: channel) })
                }
            }
            .bind(to: address)
    }

    // MARK: Queries (on `loop`)

    private func query(_ bytes: [UInt8], from source: SocketAddress, on channel: any Channel) {
        guard let ip = source.ipAddress.flatMap({ try? IPAddress(parsing: $0) }) else { return }
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
        let limit = query.map(DNSResponder.udpRoom) ?? 512
        switch outcome {
        case .answer(let m): send(m, to: source, on: channel, limit: limit)
        case .forward(let q, let server): forward(q, to: server, client: source, via: channel, limit: limit, now: now)
        case .drop: break
        }
    }

    private func send(_ m: DNSMessage, to address: SocketAddress, on channel: any Channel, limit: Int) {
        let bytes = m.serialized(limit: limit)
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    private func forward(_ query: DNSMessage, to server: IPAddress, client: SocketAddress, via: any Channel, limit: Int, now: Int64) {
        // The asking socket is IPv6 and dual-stack: an IPv4 server is reached at its IPv4-mapped address.
        let text = if case .v4(let v4) = server { "::ffff:\(v4)" } else { server.description }
        guard pending.count < Self.forwardLimit, let target = try? SocketAddress(ipAddress: text, port: forwardPort) else {
            fail(query, client, via, limit)
            return
        }
        var id = nextID
        while pending[id] != nil { id &+= 1 }
        nextID = id &+ 1
        var asked = query
        asked.header.id = id
        pending[id] = Pending(client: client, via: via, query: query, server: server, deadline: now + Self.forwardTimeout, limit: limit)
        outbound().whenComplete { [self] result in
            guard case .success(let channel) = result else {
                if let p = pending.removeValue(forKey: id) { fail(p.query, p.client, p.via, p.limit) }
                return
            }
            send(asked, to: target, on: channel, limit: DNSMessage.maxSize)
        }
    }

    /// The one socket questions are asked from (any address, a port of the kernel's choosing).
    private func outbound() -> EventLoopFuture<any Channel> {
        if let client { return loop.makeSucceededFuture(client) }
        return DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Reader { [weak self] bytes, source in self?.answered(bytes, from: source) })
                }
            }
            .bind(host: "::", port: 0)
            .map { channel in
                self.client = channel
                return channel
            }
    }

    private func answered(_ bytes: [UInt8], from source: SocketAddress) {
        guard bytes.count >= 2, let ip = source.ipAddress.flatMap({ try? IPAddress(parsing: $0) }) else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        // Only the server asked, from port 53, with the question asked: anything else is a spoofing attempt.
        guard let p = pending[id], Self.sameHost(ip, p.server), source.port == forwardPort,
            var m = try? DNSMessage(parsing: bytes), m.header.isResponse, m.questions == p.query.questions
        else {
            state.withLockedValue { $0.counters.dropped[.forwardFailed, default: 0] += 1 }
            return
        }
        pending[id] = nil
        m.header.id = p.query.header.id
        m.header.recursionDesired = true
        m.header.recursionAvailable = true
        m.header.authoritative = false
        send(m, to: p.client, on: p.via, limit: p.limit)
    }

    /// An IPv4 server answers the IPv6 socket as an IPv4-mapped address.
    static func sameHost(_ a: IPAddress, _ b: IPAddress) -> Bool {
        if a == b { return true }
        if case .v6(let m) = a, case .v4(let v4) = b { return m.high == 0 && m.low == 0xffff_0000_0000 | UInt64(v4.rawValue) }
        return false
    }

    private func fail(_ query: DNSMessage, _ client: SocketAddress, _ via: any Channel, _ limit: Int) {
        var m = query
        m.header.isResponse = true
        m.header.recursionDesired = true
        m.header.recursionAvailable = true
        m.header.rcode = DNSMessage.RCode.serverFailure
        m.answers = []
        m.authorities = []
        m.additionals = []
        state.withLockedValue { $0.counters.dropped[.forwardFailed, default: 0] += 1 }
        send(m, to: client, on: via, limit: limit)
    }

    private func expire() {
        let now = DaemonNode.now()
        for (id, p) in pending where p.deadline <= now {
            pending[id] = nil
            fail(p.query, p.client, p.via, p.limit)
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
}

/// What the DNS server did, for the metrics.
public struct DNSCounters: Sendable, Equatable {
    /// Answers by RCODE (0 NOERROR, 3 NXDOMAIN, 5 REFUSED, ...).
    public var answers: [UInt8: Int] = [:]
    public var forwarded = 0
    public var dropped: [DNSDrop: Int] = [:]

    mutating func count(_ o: DNSOutcome) {
        switch o {
        case .answer(let m): answers[m.header.rcode, default: 0] += 1
        case .forward: forwarded += 1
        case .drop(let reason): dropped[reason, default: 0] += 1
        }
    }
}
