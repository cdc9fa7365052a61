import SixplaneCore

/// Synthetic peers of one root, without I/O: each has its own identity and source address, says HELLO until the root
/// answers, then keeps its path alive as a node keeps its root's (an ECHO when the path was quiet for 14 s, a HELLO
/// every 224 s, a HELLO every 5 s while nothing was heard for 19 s), and now and then asks the root (WHOIS) for
/// another synthetic peer's identity, checking the answer. `poll` says what to send; `receive` takes what came.
///
/// Time is in microseconds: a root on the same machine answers a WHOIS well within a millisecond.
public struct SyntheticPeers {
    public struct Options: Sendable {
        /// First HELLOs per second (peers start one after another at this rate).
        public var startRate = 2_000
        /// How often each answered peer looks up another one; 0 for never.
        public var whoisInterval: Int64 = 60_000_000
        /// How long a peer's question waits for its answer before it counts as lost.
        public var whoisTimeout: Int64 = 5_000_000
        /// Every peer is looked at once per sweep: the scheduling granularity.
        public var sweep: Int64 = 250_000
        public var seed: UInt64 = 1
        public init() {}
    }

    struct Member {
        let identity: Identity
        let keys: PeerKeys
        let source: InetAddress
        let target: InetAddress
        let startAt: Int64
        // Long ago, but far enough from Int64.min that `now - it` cannot overflow.
        var lastSend = SyntheticPeers.never
        var lastHello = SyntheticPeers.never
        var lastReceive = SyntheticPeers.never
        var answered = false
        var rootProtocol: UInt8 = 0
        var nextWhois: Int64 = .max
        var whois: (id: UInt64, target: Address, sent: Int64)?
    }

    /// What the peers sent and heard.
    public struct Statistics: Sendable, Equatable {
        public var hellosSent = 0
        public var helloAnswers = 0
        public var echoesSent = 0
        public var echoAnswers = 0
        public var whoisSent = 0
        public var whoisAnswers = 0
        /// Answers that named the wrong identity (never expected).
        public var whoisWrong = 0
        public var whoisLost = 0
        /// Packets for no peer of ours, that did not open with its key, did not parse, or came to another address
        /// than the peer's own.
        public var unknownDestination = 0
        public var badMAC = 0
        public var malformed = 0
        public var wrongAddress = 0
        /// ERRORs and packets of other verbs from the root.
        public var errors = 0
        public var other = 0
        /// HELLOs from the root (its path checks), each answered with OK(HELLO).
        public var rootHellos = 0
    }

    public let root: Identity
    public let options: Options
    private var members: [Member]
    private var index: [Address: Int32]
    private let planet: World?
    private var rng: HelloFlood.SplitMix
    private var cursor = 0
    private var lastPoll: Int64?
    /// Replies made while receiving, sent with the next poll.
    private var pending: [Datagram] = []
    public private(set) var statistics = Statistics()
    /// The latest WHOIS round trips in microseconds (a ring: the newest `latencyCapacity`).
    public private(set) var latencies: [Int64] = []
    private var latencyNext = 0
    public static let latencyCapacity = 65_536
    static let never: Int64 = -(1 << 62)

    /// Peers with `identities[i]` sending from `sources[i]` to whichever of `rootAddresses` has the same family
    /// (a peer whose family the root lacks is left out). Each costs a key agreement here.
    public init(
        identities: [Identity], sources: [InetAddress], root: Identity, rootAddresses: [InetAddress], planet: World?,
        start: Int64, options: Options = Options()
    ) throws(LabError) {
        self.root = root.publicOnly
        self.options = options
        self.planet = planet
        rng = HelloFlood.SplitMix(options.seed)
        members = []
        members.reserveCapacity(identities.count)
        index = [:]
        index.reserveCapacity(identities.count)
        let spacing = 1_000_000 / Int64(max(1, options.startRate))
        for (identity, source) in zip(identities, sources) {
            guard let target = rootAddresses.first(where: { Self.sameFamily($0, source) }) else { continue }
            guard index[identity.address] == nil else { continue }
            let keys: PeerKeys
            do { keys = try PeerKeys(local: identity, peer: root) } catch { throw LabError("key agreement for \(identity.address): \(error)") }
            index[identity.address] = Int32(members.count)
            members.append(Member(identity: identity, keys: keys, source: source, target: target, startAt: start + Int64(members.count) * spacing))
        }
    }

    static func sameFamily(_ a: InetAddress, _ b: InetAddress) -> Bool {
        switch (a, b) {
        case (.ipv4, .ipv4), (.ipv6, .ipv6): true
        default: false
        }
    }

    public var count: Int { members.count }
    /// Peers the root has answered at least once.
    public var answered: Int { members.reduce(0) { $0 + ($1.answered ? 1 : 0) } }
    /// Peers that heard from the root within the last 19 s (their path to it is alive).
    public func alive(now: Int64) -> Int { members.reduce(0) { $0 + (now - $1.lastReceive < Timers.pathAlive * 1000 ? 1 : 0) } }
    public var sources: [InetAddress] { members.map(\.source) }

    /// A datagram to send: its bytes, from which address, to which.
    public struct Datagram {
        public var bytes: [UInt8]
        public var source: InetAddress
        public var destination: InetAddress
    }

    /// What is due by `now`: the peers whose turn came since the last call are looked at (every peer once per
    /// `options.sweep`).
    public mutating func poll(now: Int64, into out: inout [Datagram]) {
        out += pending
        pending.removeAll(keepingCapacity: true)
        guard !members.isEmpty else { return }
        let elapsed = max(0, now - (lastPoll ?? now - options.sweep))
        lastPoll = now
        var visits = min(members.count, Int((Int64(members.count) * elapsed + options.sweep - 1) / options.sweep))
        while visits > 0 {
            visit(cursor, now: now, into: &out)
            cursor = (cursor + 1) % members.count
            visits -= 1
        }
    }

    private mutating func visit(_ i: Int, now: Int64, into out: inout [Datagram]) {
        var m = members[i]
        guard now >= m.startAt else { return }
        defer { members[i] = m }
        if let w = m.whois, now - w.sent >= options.whoisTimeout {
            statistics.whoisLost += 1
            m.whois = nil
        }
        let heard = now - m.lastReceive < Timers.pathAlive * 1000
        if !heard || !m.answered {
            if now - m.lastHello >= Timers.pingCheck * 1000 { hello(&m, now: now, into: &out) }
            return
        }
        if now - m.lastHello >= Timers.upstreamHello * 1000 {
            hello(&m, now: now, into: &out)
        } else if options.whoisInterval > 0, now >= m.nextWhois, m.whois == nil, members.count > 1 {
            var other = Int(rng.next() % UInt64(members.count - 1))
            if other >= i { other += 1 }
            let target = members[other].identity.address
            var payload: [UInt8] = []
            Whois(addresses: [target]).write(to: &payload)
            let datagram = seal(m, id: rng.next(), verb: .whois, payload: payload)
            out.append(datagram)
            // The id the answer names is the one on the wire (AES-GMAC-SIV puts its tag there).
            let id = datagram.bytes.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
            m.whois = (id, target, now)
            m.nextWhois = now + options.whoisInterval
            m.lastSend = now
            statistics.whoisSent += 1
        } else if now - m.lastSend >= Timers.pathHeartbeat * 1000 {
            out.append(seal(m, id: rng.next(), verb: .echo, payload: []))
            m.lastSend = now
            statistics.echoesSent += 1
        }
    }

    private mutating func hello(_ m: inout Member, now: Int64, into out: inout [Datagram]) {
        let hello = Hello(
            timestamp: UInt64(now / 1000), identity: m.identity.publicOnly, destination: m.target,
            planetID: planet?.id, planetTimestamp: planet?.timestamp)
        var payload: [UInt8] = []
        hello.write(to: &payload)
        let bytes = PacketCodec.seal(
            id: rng.next(), destination: root.address, source: m.identity.address, verb: Verb.hello.rawValue,
            payload: payload, suite: .poly1305None, keys: m.keys, helloTail: Hello.tailOffset(payload: payload))
        out.append(Datagram(bytes: bytes, source: m.source, destination: m.target))
        m.lastHello = now
        m.lastSend = now
        statistics.hellosSent += 1
    }

    /// Armored as a node armors for its root: AES-GMAC-SIV once the root said it speaks protocol 12.
    private func seal(_ m: Member, id: UInt64, verb: Verb, payload: [UInt8]) -> Datagram {
        seal(m, id: id, verbByte: verb.rawValue, payload: payload)
    }

    private func seal(_ m: Member, id: UInt64, verbByte: UInt8, payload: [UInt8]) -> Datagram {
        let bytes = PacketCodec.seal(
            id: id, destination: root.address, source: m.identity.address, verb: verbByte, payload: payload,
            suite: m.rootProtocol >= 12 ? .aesGMACSIV : .poly1305Salsa2012, keys: m.keys)
        return Datagram(bytes: bytes, source: m.source, destination: m.target)
    }

    /// A datagram that arrived at `destination` (the address it was sent to, if known) from the root.
    public mutating func receive(_ packet: inout [UInt8], destination: InetAddress?, now: Int64) {
        guard packet.count >= Packet.payloadOffset,
            let i = index[Address(bytes: packet[Packet.destinationOffset..<Packet.destinationOffset + 5])].map(Int.init)
        else {
            statistics.unknownDestination += 1
            return
        }
        if let destination, destination.ip != members[i].source.ip {
            statistics.wrongAddress += 1
            return
        }
        guard case .success(let opened) = PacketCodec.open(&packet, keys: members[i].keys) else {
            statistics.badMAC += 1
            return
        }
        if opened.verb == Verb.hello.rawValue {
            // The root checks its peers' paths with HELLOs, which a node answers (its moon list, hidden with
            // cryptField, is not needed here).
            guard let hello = try? Hello(payload: opened.payload, decryptedTail: false) else {
                statistics.malformed += 1
                return
            }
            members[i].lastReceive = now
            statistics.rootHellos += 1
            let ok = Message.ok(
                InReplyTo(verb: .hello, packetID: opened.header.id),
                .hello(HelloOK(timestamp: hello.timestamp, observedAddress: members[i].target)))
            pending.append(seal(members[i], id: rng.next(), verbByte: ok.verb, payload: ok.payload))
            return
        }
        guard let message = try? Message(verb: opened.verb, payload: opened.payload) else {
            statistics.malformed += 1
            return
        }
        members[i].lastReceive = now
        switch message {
        case .ok(_, .hello(let ok)):
            statistics.helloAnswers += 1
            members[i].answered = true
            members[i].rootProtocol = ok.protocolVersion
            if members[i].nextWhois == .max, options.whoisInterval > 0 {
                // Spread the peers' lookups over the interval.
                members[i].nextWhois = now + Int64(rng.next() % UInt64(options.whoisInterval))
            }
        case .ok(_, .echo):
            statistics.echoAnswers += 1
        case .ok(let inRe, .whois(let answer)):
            guard let w = members[i].whois, inRe.packetID == w.id else {
                statistics.other += 1
                return
            }
            members[i].whois = nil
            let expected = index[w.target].map { members[Int($0)].identity.publicOnly }
            guard answer.identities.count == 1, answer.identities[0] == expected else {
                statistics.whoisWrong += 1
                return
            }
            statistics.whoisAnswers += 1
            record(now - w.sent)
        case .error:
            statistics.errors += 1
        default:
            statistics.other += 1
        }
    }

    private mutating func record(_ latency: Int64) {
        if latencies.count < Self.latencyCapacity {
            latencies.append(latency)
        } else {
            latencies[latencyNext] = latency
        }
        latencyNext = (latencyNext + 1) % Self.latencyCapacity
    }

    /// Counts from now on (the ramp's are left behind at the start of the steady state).
    public mutating func resetStatistics() {
        statistics = Statistics()
        for i in members.indices { members[i].whois = nil }
        latencies.removeAll(keepingCapacity: true)
        latencyNext = 0
    }

    /// A WHOIS round trip at quantile `q` (0...1) of those kept, in microseconds.
    public func latency(quantile q: Double) -> Int64? {
        guard !latencies.isEmpty else { return nil }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }
}
