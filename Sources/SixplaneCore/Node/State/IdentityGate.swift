/// What a node spends on identities it has never seen. Each one costs a key agreement (to check the HELLO's MAC)
/// and then the memory-hard validation (~7 ms), so strangers are let in in three steps:
///
/// 1. One new identity per `interval` ms per source prefix, IPv4 /24 or IPv6 /48 (ZeroTier's rule). Prefixes are
///    hashed with a per-node secret into a fixed table of `slots` times, so the gate's memory never grows and an
///    attacker cannot aim collisions at a victim's prefix.
/// 2. A node-wide budget of key agreements per second for HELLOs that passed the prefix gate.
/// 3. A node-wide budget of validations per second for HELLOs whose MAC checked, sized by the host so that
///    validation takes at most about a quarter of a core whatever arrives.
public struct IdentityGate: Sendable {
    public enum Verdict: Equatable, Sendable {
        case admitted
        /// This prefix (or one sharing its slot) brought a new identity less than `interval` ago.
        case prefixBusy
        case agreementBudgetSpent
    }

    public let interval: Int64
    private var slots: [Int64]
    private let seed: UInt64
    private(set) var agreements: RateBudget
    private(set) var validations: RateBudget

    public init(limits: NodeLimits, interval: Int64, seed: UInt64) {
        self.interval = interval
        slots = [Int64](repeating: .min, count: max(1, limits.identityGateSlots))
        self.seed = seed
        agreements = RateBudget(perSecond: limits.newIdentityAgreementsPerSecond)
        validations = RateBudget(perSecond: limits.identityValidationsPerSecond)
    }

    /// The table's size: fixed at creation.
    public var capacity: Int { slots.count }

    /// Whether a HELLO from a new identity at `address` may have its MAC checked (which costs an agreement).
    public mutating func admit(_ address: InetAddress, now: Int64) -> Verdict {
        if interval > 0 {
            let slot = Self.slot(of: address, seed: seed, count: slots.count)
            if slots[slot] != .min, now &- slots[slot] < interval, now >= slots[slot] { return .prefixBusy }
            slots[slot] = now
        }
        return agreements.take(now: now) ? .admitted : .agreementBudgetSpent
    }

    /// Whether a new identity whose HELLO authenticated may now be validated.
    public mutating func admitValidation(now: Int64) -> Bool { validations.take(now: now) }

    /// The source prefix that the rate rule keys on: the first 24 bits of IPv4, the first 48 of IPv6 (tagged apart).
    static func prefix(of address: InetAddress) -> UInt64 {
        switch address {
        case .ipv4(let a, _): UInt64(a.rawValue >> 8)
        case .ipv6(let a, _): a.high >> 16 | 1 << 62
        default: 1 << 63
        }
    }

    static func slot(of address: InetAddress, seed: UInt64, count: Int) -> Int {
        // splitmix64's finalizer over the prefix under the node's secret.
        var z = prefix(of: address) ^ seed
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Int(z % UInt64(count))
    }
}
