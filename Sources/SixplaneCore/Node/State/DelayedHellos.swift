/// HELLOs held back a moment after the low-TTL packet that opened our NAT toward a new IPv4 address, or until
/// the introduced peer's identity is known.
///
/// When two peers behind NATs are introduced, each opens its own NAT with a packet too short-lived to reach the
/// other's. If either HELLO then reached the other NAT before that NAT had opened, a Linux NAT would note the
/// stranger's flow and map its own host's answer to another port, and the two would never meet. Waiting a moment
/// lets both NATs open first. At most `capacity` wait at once (newest ignored when full); one per peer and address.
struct DelayedHellos {
    struct Entry: Equatable {
        let peer: Address
        let endpoint: InetAddress
        let due: Int64
        let expires: Int64
    }

    let capacity: Int
    private(set) var entries: [Entry] = []

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { entries.count }
    /// When the table next needs a look: a due entry waiting for its peer is looked at again each `recheck`.
    func nextDue(now: Int64, recheck: Int64) -> Int64? {
        entries.lazy.map { $0.due > now ? $0.due : min(now + recheck, $0.expires) }.min()
    }

    /// Holds a HELLO to `peer` at `endpoint` until `due`, or after that until the peer is known but not past
    /// `expires`; false if one is already waiting or the table is full.
    mutating func hold(_ peer: Address, at endpoint: InetAddress, due: Int64, expires: Int64) -> Bool {
        guard entries.count < capacity, !entries.contains(where: { $0.peer == peer && $0.endpoint == endpoint })
        else { return false }
        entries.append(Entry(peer: peer, endpoint: endpoint, due: due, expires: max(due, expires)))
        return true
    }

    /// The HELLOs due by `now` whose peer `isKnown`, oldest first, removed from the table with those expired.
    mutating func takeDue(now: Int64, isKnown: (Address) -> Bool) -> [Entry] {
        var ready: [Entry] = []
        entries.removeAll { entry in
            guard entry.due <= now else { return false }
            if isKnown(entry.peer) {
                ready.append(entry)
                return true
            }
            return entry.expires <= now
        }
        return ready
    }
}
