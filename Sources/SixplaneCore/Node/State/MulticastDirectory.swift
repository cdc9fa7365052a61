/// Who wants which multicast group on each network, from LIKEs and gather answers; entries live 10 minutes.
///
/// Bounded three ways: entries in all, members per group (the oldest member of a full group makes room), and groups
/// per member (a member past it is refused more), so that one peer's LIKEs cannot fill a root's directory.
struct MulticastDirectory {
    let limits: NodeLimits
    private var groups: [NetworkID: [MulticastGroup: [Address: Int64]]] = [:]
    private var perMember: [Address: Int] = [:]
    private(set) var count = 0
    private var nextSweep: Int64 = .min

    init(limits: NodeLimits) { self.limits = limits }

    enum Outcome: Equatable {
        case recorded
        /// Recorded; the group's oldest member was forgotten to make room.
        case replacedOldest
        case refused
    }

    /// Records that `member` wants `group` on `network` as of `now`.
    @discardableResult
    mutating func record(_ network: NetworkID, _ group: MulticastGroup, _ member: Address, now: Int64) -> Outcome {
        if groups[network]?[group]?[member] != nil {
            groups[network]![group]![member] = now
            return .recorded
        }
        guard perMember[member, default: 0] < limits.multicastGroupsPerMember else { return .refused }
        var outcome = Outcome.recorded
        if let members = groups[network]?[group], members.count >= limits.multicastMembersPerGroup {
            if let oldest = members.min(by: { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key })?.key {
                remove(network, group, oldest)
                outcome = .replacedOldest
            }
        } else if count >= limits.multicastEntries {
            expire(now: now, sweepAtMostEverySecond: true)
            guard count < limits.multicastEntries else { return .refused }
        }
        groups[network, default: [:]][group, default: [:]][member] = now
        perMember[member, default: 0] += 1
        count += 1
        return outcome
    }

    mutating func remove(_ network: NetworkID, _ group: MulticastGroup, _ member: Address) {
        guard groups[network]?[group]?.removeValue(forKey: member) != nil else { return }
        count -= 1
        if let n = perMember[member], n > 1 { perMember[member] = n - 1 } else { perMember[member] = nil }
        if groups[network]?[group]?.isEmpty == true { groups[network]?[group] = nil }
        if groups[network]?.isEmpty == true { groups[network] = nil }
    }

    /// Members that want the group now, in address order.
    func members(_ network: NetworkID, _ group: MulticastGroup, now: Int64) -> [Address] {
        (groups[network]?[group] ?? [:]).filter { now - $0.value < Timers.multicastLikeExpire }.map(\.key).sorted()
    }

    func groupsCount(_ network: NetworkID) -> Int { groups[network]?.count ?? 0 }

    func members(of network: NetworkID, group: MulticastGroup) -> Int { groups[network]?[group]?.count ?? 0 }

    func groupsOf(_ member: Address) -> Int { perMember[member] ?? 0 }

    /// Forgets entries older than the LIKE lifetime. A sweep walks the whole directory, so a full table hit again
    /// and again sweeps at most once a second.
    mutating func expire(now: Int64, sweepAtMostEverySecond: Bool = false) {
        if sweepAtMostEverySecond {
            guard now >= nextSweep else { return }
            nextSweep = now + 1000
        }
        for (network, byGroup) in groups {
            for (group, members) in byGroup {
                for (member, seen) in members where now - seen >= Timers.multicastLikeExpire {
                    remove(network, group, member)
                }
            }
        }
    }
}
