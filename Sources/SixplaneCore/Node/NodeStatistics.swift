/// Counters the node keeps for the host to export (Prometheus text in the daemon).
public struct NodeStatistics: Equatable, Sendable {
    public var datagramsIn = 0
    public var datagramsOut = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// Packets by verb byte (low 5 bits), both directions.
    public var packetsIn = [Int](repeating: 0, count: 32)
    public var packetsOut = [Int](repeating: 0, count: 32)
    public var drops: [DropReason: Int] = [:]
    public var framesIn: [NetworkID: Int] = [:]
    public var framesOut: [NetworkID: Int] = [:]
    /// Neighbor solicitations answered locally.
    public var ndpEmulated = 0
    /// Packets forwarded for others (as a root or relay).
    public var relayed = 0
    /// New identities whose validation was started (by the node, or handed to the host), and those found invalid.
    public var identityValidations = 0
    public var invalidIdentities = 0

    public init() {}

    public var totalDrops: Int { drops.values.reduce(0, +) }
}
