/// Identities being looked up (WHOIS to a root) and what waits for them: packets from senders we do not know yet,
/// and messages for peers we do not know yet.
///
/// Lookups are of two kinds with separate room: the node's own (its controller, moon seeds, peers it sends to),
/// which junk can never crowd out, and those started by packets from unknown senders, which are also rate limited
/// (each costs the root a WHOIS). Waiting packets have a per-sender quota, so one sender cannot push out another's.
struct WhoisResolver {
    struct Lookup: Equatable {
        var first: Int64
        var last: Int64
        var own: Bool
    }

    struct WaitingPacket {
        var packet: [UInt8]
        var address: InetAddress
        var localSocket: Int
        var queued: Int64
        var sender: Address
    }

    struct WaitingSend {
        var destination: Address
        var verb: UInt8
        var payload: [UInt8]
        var expectReply: Bool
        var queued: Int64
    }

    enum Decision: Equatable {
        /// A new lookup: ask now.
        case started
        /// Still unanswered and due for another WHOIS.
        case retry
        /// Asked recently; wait.
        case wait
        /// No room (or, for inbound lookups, no budget).
        case refused
    }

    let limits: NodeLimits
    private(set) var lookups: [Address: Lookup] = [:]
    private(set) var ownCount = 0
    private(set) var inboundCount = 0
    private(set) var waitingPackets: [WaitingPacket] = []
    private(set) var waitingSends: [WaitingSend] = []
    private var inboundBudget: RateBudget

    init(limits: NodeLimits) {
        self.limits = limits
        inboundBudget = RateBudget(perSecond: limits.inboundLookupsPerSecond)
    }

    func isLookingUp(_ address: Address) -> Bool { lookups[address] != nil }

    /// Starts or continues a lookup. An inbound lookup that the node then needs itself becomes its own.
    mutating func lookUp(_ target: Address, own: Bool, now: Int64) -> Decision {
        if var lookup = lookups[target] {
            if own && !lookup.own {
                guard ownCount < limits.ownLookups else { return .refused }
                lookup.own = true
                ownCount += 1
                inboundCount -= 1
            }
            guard now - lookup.last >= Timers.whoisRetry else {
                lookups[target] = lookup
                return .wait
            }
            lookup.last = now
            lookups[target] = lookup
            return .retry
        }
        if own {
            guard ownCount < limits.ownLookups else { return .refused }
            ownCount += 1
        } else {
            guard inboundCount < limits.inboundLookups, inboundBudget.take(now: now) else { return .refused }
            inboundCount += 1
        }
        lookups[target] = Lookup(first: now, last: now, own: own)
        return .started
    }

    /// Holds a packet from an unknown sender; returns how many older packets were pushed out to make room.
    mutating func hold(_ packet: WaitingPacket) -> Int {
        var evicted = 0
        let fromSender = waitingPackets.reduce(0) { $0 + ($1.sender == packet.sender ? 1 : 0) }
        if fromSender >= limits.waitingPacketsPerSender, let i = waitingPackets.firstIndex(where: { $0.sender == packet.sender }) {
            waitingPackets.remove(at: i)
            evicted += 1
        } else if waitingPackets.count >= limits.waitingPackets {
            // The sender holding most packets gives up its oldest.
            var counts: [Address: Int] = [:]
            for w in waitingPackets { counts[w.sender, default: 0] += 1 }
            if let most = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key,
                let i = waitingPackets.firstIndex(where: { $0.sender == most })
            {
                waitingPackets.remove(at: i)
                evicted += 1
            }
        }
        waitingPackets.append(packet)
        return evicted
    }

    /// Holds a message for a peer being looked up; returns whether an older one was pushed out.
    mutating func hold(_ send: WaitingSend) -> Bool {
        var evicted = false
        if waitingSends.count >= limits.waitingSends {
            waitingSends.removeFirst()
            evicted = true
        }
        waitingSends.append(send)
        return evicted
    }

    /// The lookup is over: what waited for `address`.
    mutating func resolved(_ address: Address) -> (packets: [WaitingPacket], sends: [WaitingSend]) {
        forget(address)
        let packets = waitingPackets.filter { $0.sender == address }
        let sends = waitingSends.filter { $0.destination == address }
        if !packets.isEmpty { waitingPackets.removeAll { $0.sender == address } }
        if !sends.isEmpty { waitingSends.removeAll { $0.destination == address } }
        return (packets, sends)
    }

    private mutating func forget(_ address: Address) {
        guard let lookup = lookups.removeValue(forKey: address) else { return }
        if lookup.own { ownCount -= 1 } else { inboundCount -= 1 }
    }

    /// Gives up lookups older than `Timers.whoisGiveUp` and packets held as long; returns the lookups due for
    /// another WHOIS (in address order, so that simulations repeat) and how many held packets were given up.
    mutating func expire(now: Int64) -> (due: [Address], abandonedPackets: Int) {
        var due: [Address] = []
        var abandoned = 0
        for (target, lookup) in lookups.sorted(by: { $0.key < $1.key }) {
            if now - lookup.first > Timers.whoisGiveUp {
                abandoned += resolved(target).packets.count
            } else if now - lookup.last >= Timers.whoisRetry {
                due.append(target)
            }
        }
        let before = waitingPackets.count
        waitingPackets.removeAll { now - $0.queued > Timers.whoisGiveUp }
        abandoned += before - waitingPackets.count
        waitingSends.removeAll { now - $0.queued > Timers.whoisGiveUp }
        return (due, abandoned)
    }
}
