/// Controller side: which members asked for which network's config lately (their LIKEs to the controller count
/// only then). Entries live 3 minutes; the table is bounded, and full means no new entries until some expire.
struct ConfigRequesters {
    static let lifetime: Int64 = 180_000

    struct Key: Hashable {
        var network: NetworkID
        var member: Address
    }

    let capacity: Int
    private var last: [Key: Int64] = [:]
    private var nextSweep: Int64 = .min

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { last.count }

    /// Notes a request; false if the table is full of live entries.
    @discardableResult
    mutating func record(_ network: NetworkID, _ member: Address, now: Int64) -> Bool {
        let key = Key(network: network, member: member)
        if last[key] == nil, last.count >= capacity {
            expire(now: now)
            guard last.count < capacity else { return false }
        }
        last[key] = now
        return true
    }

    func requestedRecently(_ network: NetworkID, _ member: Address, now: Int64) -> Bool {
        guard let at = last[Key(network: network, member: member)] else { return false }
        return now - at <= Self.lifetime
    }

    mutating func expire(now: Int64) {
        // A sweep walks the whole table: at most once a second however often a full table is hit.
        guard now >= nextSweep else { return }
        nextSweep = now + 1000
        last = last.filter { now - $0.value <= Self.lifetime }
    }
}
