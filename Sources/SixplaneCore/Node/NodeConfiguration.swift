/// How a node is set up: who it is, which worlds it trusts, and the knobs tests and deployments turn.
public struct NodeConfiguration: Sendable {
    /// This node's identity, with its secret key.
    public var identity: Identity
    /// The planet (default: ZeroTier's public one) and orbited moons.
    public var planet: World
    public var moons: [World]
    /// Checks a new peer's identity (the memory-hard hash, ~7 ms). Simulations share a memoizing one.
    public var validateIdentity: @Sendable (Identity) -> Bool
    /// One new identity accepted per this many ms from each /24 (IPv4) or /48 (IPv6) of sources, as the
    /// reference does against HELLO floods. 0 turns it off.
    public var newIdentityInterval: Int64
    /// Bounds of the node's tables and budgets for strangers' work.
    public var limits: NodeLimits
    /// Drop IPv6 and IPv4 frames whose source address the sending member does not own (ZeroTier accepts any source
    /// in the network; see its issues #990 and #1123).
    public var strictSourceAddresses: Bool
    /// What config requests report as the OS (`o` key).
    public var operatingSystem: String

    public init(
        identity: Identity, planet: World = PublicPlanet.world, moons: [World] = [],
        validateIdentity: @escaping @Sendable (Identity) -> Bool = { $0.isValid },
        newIdentityInterval: Int64 = 2000, strictSourceAddresses: Bool = true,
        operatingSystem: String = "linux/x86_64", limits: NodeLimits = NodeLimits()
    ) {
        self.limits = limits
        self.identity = identity
        self.planet = planet
        self.moons = moons
        self.validateIdentity = validateIdentity
        self.newIdentityInterval = newIdentityInterval
        self.strictSourceAddresses = strictSourceAddresses
        self.operatingSystem = operatingSystem
    }
}

/// ZeroTier 1.14.1's timers, in milliseconds.
public enum Timers {
    public static let pingCheck: Int64 = 5_000
    public static let peerPing: Int64 = 60_000
    public static let pathHeartbeat: Int64 = 14_000
    public static let pathAlive: Int64 = 19_000
    public static let pathExpiration: Int64 = 4 * 60_000 + 3_000
    public static let peerActivity: Int64 = 500_000
    public static let upstreamHello: Int64 = 14_000 * 16
    public static let online: Int64 = 500_000
    public static let trust: Int64 = 600_000
    public static let whoisRetry: Int64 = 500
    public static let whoisGiveUp: Int64 = 5_000
    public static let configRetry: Int64 = 5_000
    public static let configRefresh: Int64 = 60_000
    public static let credentialPush: Int64 = 500_000
    public static let multicastAnnounce: Int64 = 60_000
    public static let multicastLikeExpire: Int64 = 600_000
    public static let multicastGather: Int64 = 60_000
    public static let gateRetry: Int64 = 500
    public static let gateRetryGiveUp: Int64 = 5_000
    public static let uniteInterval: Int64 = 30_000
    public static let pushDirectPathsDirect: Int64 = 120_000
    public static let pushDirectPathsRelayed: Int64 = 15_000
    public static let helloProbe: Int64 = 1_000
    /// How long a HELLO to a new IPv4 address waits after the low-TTL packet that opened our NAT toward it: longer
    /// than two introduced peers' RENDEZVOUS usually arrive apart.
    public static let natOpening: Int64 = 250
    /// How long an introduction to a peer whose identity is still being looked up is kept.
    public static let rendezvousLookup: Int64 = 5_000
}
