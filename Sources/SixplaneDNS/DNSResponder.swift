import SixplaneCore

/// What to do with one datagram a DNS socket read.
public enum DNSOutcome: Equatable, Sendable {
    /// Send this back to the client.
    case answer(DNSMessage)
    /// Ask `server` this question for the client (the shell picks the id, waits a bounded time, relays the answer).
    case forward(DNSMessage, to: IPAddress)
    /// Nothing to send; counted.
    case drop(DNSDrop)
}

public enum DNSDrop: String, Sendable, CaseIterable {
    /// Shorter than a header: no id to answer with.
    case unreadable
    /// A response, not a query (reflection attempts).
    case notAQuery
    /// Over the source's rate limit.
    case rateLimited
    /// A forward table full, or its answer late or from the wrong place.
    case forwardFailed
}

/// Answers DNS queries from the zones of the networks this node is on: I/O-free, given bytes and giving an outcome.
/// Not an open resolver: only names in a zone's domain and reverse names of a zone's addresses are answered (or
/// asked further, of the network's own servers and members); everything else is REFUSED.
public struct DNSResponder: Sendable {
    public var zones: [NetworkID: DNSZone] = [:]
    /// What this host runs, across its engines; each zone holds the part in its /80.
    public private(set) var hosted: [HostedName] = []

    public init() {}

    /// Sets what the host runs; every zone takes its part.
    public mutating func setHosted(_ named: [HostedName]) {
        hosted = named
        for id in zones.keys { zones[id]?.setHosted(named) }
    }

    /// UDP answers are cut to this unless the client's EDNS says less (never under 512).
    public static let udpLimit = 1232

    public func respond(to bytes: [UInt8]) -> DNSOutcome {
        guard let query = try? DNSMessage(parsing: bytes) else { return Self.unreadable(bytes) }
        return respond(to: query)
    }

    /// What a datagram that did not read as a message gets: FORMERR when it has a query's header, else nothing.
    public static func unreadable(_ bytes: [UInt8]) -> DNSOutcome {
        guard bytes.count >= 12 else { return .drop(.unreadable) }
        guard bytes[2] & 0x80 == 0 else { return .drop(.notAQuery) }
        var header = DNSMessage.Header(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        header.isResponse = true
        header.opcode = (bytes[2] >> 3) & 0x0f
        header.rcode = DNSMessage.RCode.formatError
        return .answer(DNSMessage(header: header))
    }

    /// The client's room for a UDP answer: its EDNS size (OPT's class) or 512, within `udpLimit`.
    public static func udpRoom(_ query: DNSMessage) -> Int {
        guard let opt = query.additionals.first(where: { $0.type == DNSType.opt }) else { return 512 }
        return min(udpLimit, max(512, Int(opt.rclass)))
    }

    public func respond(to query: DNSMessage) -> DNSOutcome {
        let o = outcome(query)
        // A forwarded question keeps the client's id: the shell swaps in its own while it waits.
        guard case .forward(var asked, let server) = o else { return o }
        asked.header.id = query.header.id
        return .forward(asked, to: server)
    }

    private func outcome(_ query: DNSMessage) -> DNSOutcome {
        guard !query.header.isResponse else { return .drop(.notAQuery) }
        var reply = DNSMessage(header: DNSMessage.Header(id: query.header.id))
        reply.header.isResponse = true
        reply.header.opcode = query.header.opcode
        reply.header.recursionDesired = query.header.recursionDesired
        reply.questions = query.questions
        if query.additionals.contains(where: { $0.type == DNSType.opt }) {
            reply.additionals = [DNSRecord(name: .root, type: DNSType.opt, rclass: UInt16(Self.udpLimit), ttl: 0, data: .raw([]))]
        }
        guard query.header.opcode == 0 else { return .answer(reply.with(rcode: DNSMessage.RCode.notImplemented)) }
        guard query.questions.count == 1, let q = query.questions.first else {
            return .answer(reply.with(rcode: DNSMessage.RCode.formatError))
        }
        guard q.qclass == DNSType.classIN || q.qclass == DNSType.any else { return .answer(reply.with(rcode: DNSMessage.RCode.refused)) }
        let rd = query.header.recursionDesired
        if let address = ReverseName.address(of: q.name) {
            for zone in zones.values.sorted(by: { $0.network < $1.network }) {
                if let outcome = reverse(q, address, in: zone, reply: reply, rd: rd) { return outcome }
            }
            return .answer(reply.with(rcode: DNSMessage.RCode.refused))
        }
        // The longest domain holding the name (a name may be in two networks' domains).
        guard let zone = zones.values.filter({ q.name.isWithin($0.domain) }).max(by: { $0.domain.labels.count < $1.domain.labels.count }),
            let labels = q.name.relative(to: zone.domain)
        else { return .answer(reply.with(rcode: DNSMessage.RCode.refused)) }
        return name(q, labels.map { String(decoding: DNSName.fold($0), as: UTF8.self) }, in: zone, reply: reply, rd: rd)
    }

    // MARK: Forward names

    private func name(_ q: DNSQuestion, _ labels: [String], in zone: DNSZone, reply: DNSMessage, rd: Bool) -> DNSOutcome {
        let domain = zone.domain
        // This host's own part: <host>.<domain> and <container>.<host>.<domain> (unless, on the controller's node,
        // another member holds that name).
        if let host = labels.last, zone.isThisHost(host), zone.members?.lookup(host).contains(where: { $0.address != zone.node }) != true {
            let apex = (try? domain.prepending(host)) ?? domain
            let soa = Self.soa(apex, zone)
            switch labels.count {
            case 1:
                return .answer(reply.authoritative(q, zone.ownAddresses, soa: soa, apex: (apex, apex, zone.ownAddresses)))
            case 2:
                if let addresses = zone.containers[labels[0]] { return .answer(reply.authoritative(q, addresses, soa: soa, apex: nil)) }
                return .answer(reply.nameError(soa))
            default:
                return .answer(reply.nameError(soa))
            }
        }
        guard let members = zone.members else { return Self.askServers(q, zone, reply: reply, rd: rd) }
        let soa = Self.soa(domain, zone)
        guard let host = labels.last else {
            let ns = (try? domain.prepending(zone.nodeLabel)) ?? domain
            return .answer(reply.authoritative(q, [], soa: soa, apex: (domain, ns, zone.ownAddresses)))
        }
        let found = members.lookup(host)
        guard !found.isEmpty else { return .answer(reply.nameError(soa)) }
        if labels.count == 1 {
            return .answer(reply.authoritative(q, found.flatMap(\.addresses), soa: soa, apex: nil))
        }
        // Below a member: that member's part, delegated to it.
        guard let member = found.first, let server = DNSZone.serverAddress(of: member), let cut = try? domain.prepending(host) else {
            return .answer(reply.nameError(soa))
        }
        return Self.delegate(q, cut: cut, ns: cut, to: member, server: server, reply: reply, rd: rd)
    }

    /// A referral to the member (NS and glue: what a resolver iterating follows), or, when the client wants it
    /// resolved, the question asked of the member on its behalf.
    static func delegate(
        _ q: DNSQuestion, cut: DNSName, ns: DNSName, to member: MemberDirectory.Member, server: IPAddress, reply: DNSMessage, rd: Bool
    ) -> DNSOutcome {
        if rd { return .forward(question(q, recursive: false), to: server) }
        return .answer(reply.referral(cut, ns: ns, glue: member.addresses))
    }

    /// Not this node's to answer: the network's other servers are, when the client wants it resolved.
    static func askServers(_ q: DNSQuestion, _ zone: DNSZone, reply: DNSMessage, rd: Bool) -> DNSOutcome {
        guard rd, let server = zone.servers.first(where: { !zone.ownAddresses.contains($0) }) else {
            return .answer(reply.with(rcode: DNSMessage.RCode.refused))
        }
        return .forward(question(q), to: server)
    }

    // MARK: Reverse names

    private func reverse(_ q: DNSQuestion, _ address: IPAddress, in zone: DNSZone, reply: DNSMessage, rd: Bool) -> DNSOutcome? {
        let v6: IPv6Address? = if case .v6(let a) = address { a } else { nil }
        // In this host's /80, or one of its own addresses: its own name, or a container's.
        if zone.ownAddresses.contains(address) {
            return .answer(reply.pointer(q, to: zone.hostName, soa: Self.soa(ReverseName.name(of: address), zone)))
        }
        if zone.hasSixPlane, zone.sixPlane.hostPrefix.contains(address) {
            let soa = Self.soa(ReverseName.zone(of: zone.sixPlane.hostPrefix), zone)
            guard let label = zone.containers.filter({ $0.value.contains(address) }).keys.min(),
                let name = try? zone.hostName.prepending(label)
            else { return .answer(reply.nameError(soa)) }
            return .answer(reply.pointer(q, to: name, soa: soa))
        }
        let inNetwork = zone.ownPrefixes.contains { $0.network.contains(address) }
        guard let members = zone.members else { return inNetwork ? Self.askServers(q, zone, reply: reply, rd: rd) : nil }
        let soa = Self.soa(zone.domain, zone)
        if let member = members.owner(of: address), let name = try? zone.domain.prepending(member.label ?? member.address.description) {
            return .answer(reply.pointer(q, to: name, soa: soa))
        }
        if let v6, let owner = SixPlane.owner(of: v6, in: zone.network) {
            // Elsewhere in a member's /80: its containers, which it names.
            guard let member = members.members[owner], let server = DNSZone.serverAddress(of: member),
                let host = try? zone.domain.prepending(member.label ?? member.address.description)
            else { return .answer(reply.nameError(soa)) }
            let cut = ReverseName.zone(of: SixPlane(network: zone.network, node: owner).hostPrefix)
            return Self.delegate(q, cut: cut, ns: host, to: member, server: server, reply: reply, rd: rd)
        }
        let rfc = RFC4193(network: zone.network, node: zone.node).networkPrefix
        let plane = zone.sixPlane.networkPrefix
        return inNetwork || rfc.contains(address) || plane.contains(address) ? .answer(reply.nameError(soa)) : nil
    }

    // MARK: Records

    static func question(_ q: DNSQuestion, recursive: Bool = true) -> DNSMessage {
        var m = DNSMessage(header: DNSMessage.Header(id: 0))
        m.header.recursionDesired = recursive
        m.questions = [q]
        return m
    }

    static func address(_ name: DNSName, _ ip: IPAddress) -> DNSRecord {
        switch ip {
        case .v4(let a): .a(name, a, ttl: DNSZone.ttl)
        case .v6(let a): .aaaa(name, a, ttl: DNSZone.ttl)
        }
    }

    static func soa(_ apex: DNSName, _ zone: DNSZone) -> DNSRecord {
        let primary = zone.hostName
        let mailbox = (try? zone.domain.prepending("hostmaster")) ?? zone.domain
        return DNSRecord(name: apex, type: DNSType.soa, ttl: DNSZone.ttl, data: .soa(.init(primary: primary, mailbox: mailbox, serial: zone.serial, minimum: DNSZone.negativeTTL)))
    }
}

extension DNSMessage {
    func with(rcode: UInt8) -> DNSMessage {
        var m = self
        m.header.rcode = rcode
        return m
    }

    /// NXDOMAIN, with the zone's SOA for negative caching.
    func nameError(_ soa: DNSRecord) -> DNSMessage {
        var m = with(rcode: RCode.nameError)
        m.header.authoritative = true
        m.authorities = [soa]
        return m
    }

    /// The records of `addresses` the question asks for; none of its type: NOERROR with the SOA (NODATA). At a
    /// zone's apex, SOA and NS questions are answered too (the name server's addresses as additional records).
    func authoritative(_ q: DNSQuestion, _ addresses: [IPAddress], soa: DNSRecord, apex: (name: DNSName, ns: DNSName, nsAddresses: [IPAddress])?) -> DNSMessage {
        var m = self
        m.header.authoritative = true
        for ip in addresses {
            switch (ip, q.type) {
            case (.v4, DNSType.a), (.v4, DNSType.any), (.v6, DNSType.aaaa), (.v6, DNSType.any):
                m.answers.append(DNSResponder.address(q.name, ip))
            default: break
            }
        }
        if apex != nil, q.type == DNSType.soa || q.type == DNSType.any { m.answers.append(soa) }
        if let apex, q.type == DNSType.ns || q.type == DNSType.any {
            m.answers.append(DNSRecord(name: apex.name, type: DNSType.ns, ttl: DNSZone.ttl, data: .ns(apex.ns)))
            m.additionals.insert(contentsOf: apex.nsAddresses.map { DNSResponder.address(apex.ns, $0) }, at: 0)
        }
        if m.answers.isEmpty { m.authorities = [soa] }
        return m
    }

    /// Not ours below `cut`: the name server that is, and its addresses (glue).
    func referral(_ cut: DNSName, ns: DNSName, glue: [IPAddress]) -> DNSMessage {
        var m = self
        m.authorities = [DNSRecord(name: cut, type: DNSType.ns, ttl: DNSZone.ttl, data: .ns(ns))]
        m.additionals.insert(contentsOf: glue.map { DNSResponder.address(ns, $0) }, at: 0)
        return m
    }

    func pointer(_ q: DNSQuestion, to target: DNSName, soa: DNSRecord) -> DNSMessage {
        var m = self
        m.header.authoritative = true
        if q.type == DNSType.ptr || q.type == DNSType.any {
            m.answers = [.ptr(q.name, target, ttl: DNSZone.ttl)]
        } else {
            m.authorities = [soa]
        }
        return m
    }
}
