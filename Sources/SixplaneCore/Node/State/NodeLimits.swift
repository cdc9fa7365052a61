/// The bound of every table the network can write to, and the budgets for work strangers can cause. The defaults
/// suit a root or controller on a small machine; tests shrink them to fill a table quickly.
public struct NodeLimits: Sendable, Equatable {
    /// Width of the new-identity gate's table (ZeroTier's is 16,384).
    public var identityGateSlots = 16_384
    /// Key agreements per second for HELLOs of new identities that passed the prefix gate (~50 µs each).
    public var newIdentityAgreementsPerSecond = 500
    /// Memory-hard identity validations per second for strangers (~7 ms each on x86-64: 32 is about a fifth of a
    /// core). The daemon sizes this from a measurement at start.
    public var identityValidationsPerSecond = 32
    /// Identities being validated off the node's thread at once.
    public var pendingValidations = 64
    /// Peers known at once; past it the longest-silent peers that carry no network traffic are forgotten.
    public var peers = 131_072
    /// Lookups (WHOIS) in flight for the node's own needs (its controller, moon seeds, peers it sends to) and for
    /// packets from unknown senders; the second kind can never take the first kind's room.
    public var ownLookups = 1024
    public var inboundLookups = 256
    /// New lookups per second started by packets from unknown senders.
    public var inboundLookupsPerSecond = 100
    /// Packets from unknown senders held until their WHOIS answers: in all, and per sender.
    public var waitingPackets = 64
    public var waitingPacketsPerSender = 4
    /// Messages to peers we are looking up.
    public var waitingSends = 256
    /// Fragment reassembly: packets assembled at once, and at most this many from one physical source.
    public var reassemblySlots = 32
    public var reassemblySlotsPerSource = 8
    /// The multicast directory (LIKEs and gather answers): entries in all, members per group, groups per member.
    public var multicastEntries = 262_144
    public var multicastMembersPerGroup = 4096
    public var multicastGroupsPerMember = 1024
    /// Controller side: (network, member) pairs that asked for a config in the last 3 minutes.
    public var configRequesters = 262_144
    /// Peers whose report of our external address is kept (ZeroTier's SelfAwareness).
    public var surfaceReporters = 64
    /// Credential signature checks per second per peer (each an Ed25519 verification).
    public var credentialChecksPerSecond = 32
    /// Addresses probed with HELLO in the last second.
    public var pathProbes = 4096
    /// HELLOs waiting for both NATs to open after an introduction (only upstreams can cause them).
    public var delayedHellos = 256
    /// Peer pairs introduced to each other (RENDEZVOUS) in the last two minutes.
    public var introductions = 65_536
    /// Frames kept while their sender's credentials are asked for: in all, and per sender.
    public var parkedFrames = 64
    public var parkedFramesPerPeer = 8

    public init() {}
}
