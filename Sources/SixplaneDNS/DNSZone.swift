import SixplaneCore

/// What one node serves for one network: the network's domain when it controls the network (`members`), and in any
/// case its own part of it, `<this host>.<domain>`: its own addresses and the containers it runs.
public struct DNSZone: Sendable {
    public var network: NetworkID
    public var domain: DNSName
    public var node: Address
    /// This node's addresses on the network with their lengths (6PLANE `::1/40`, RFC4193 `/88`, IPv4 `/24`...).
    public var ownPrefixes: [IPPrefix]
    /// The network's DNS servers (from its config): where questions this node cannot answer go.
    public var servers: [IPAddress]
    /// This node's member name as a label, learned from the network's servers (nil: known by node id only).
    public var hostLabel: String?
    /// Containers and pods on this host by label, their addresses in the host's /80.
    public var containers: [String: [IPAddress]] = [:]
    /// Every member, when this node is the network's controller.
    public var members: MemberDirectory?
    /// Bumped whenever what the zone holds changes (the SOA serial).
    public var serial: UInt32 = 1
    /// Short: a rename, a deauthorization or a stopped container must be gone from caches (unbound's, a
    /// forwarder's) within 2 s, and caches count in whole seconds.
    public static let ttl: UInt32 = 1
    /// How long a resolver may remember that a name is not there (the SOA's minimum): a container just started is
    /// found within a second of the first miss.
    public static let negativeTTL: UInt32 = 1
    /// Containers per host, at most.
    public static let containerLimit = 4096

    public init(network: NetworkID, domain: DNSName, node: Address, ownPrefixes: [IPPrefix], servers: [IPAddress]) {
        self.network = network
        self.domain = domain
        self.node = node
        self.ownPrefixes = ownPrefixes
        self.servers = servers
    }

    public var ownAddresses: [IPAddress] { ownPrefixes.map(\.address) }
    public var nodeLabel: String { node.description }
    /// This host's name in the domain: its member name, else its node id.
    public var hostName: DNSName { (try? domain.prepending(hostLabel ?? nodeLabel)) ?? domain }
    public var sixPlane: SixPlane { SixPlane(network: network, node: node) }
    /// Whether this node has a 6PLANE address (and so a /80 its containers live in).
    public var hasSixPlane: Bool { ownAddresses.contains(.v6(sixPlane.address)) }

    /// Sets the containers (labels folded, at most `containerLimit`); true if anything changed.
    @discardableResult
    public mutating func setContainers(_ named: [(name: String, addresses: [IPAddress])]) -> Bool {
        var next: [String: [IPAddress]] = [:]
        for (name, addresses) in named where next.count < Self.containerLimit {
            guard let label = DNSLabel.from(name), !addresses.isEmpty else { continue }
            next[label, default: []] += addresses.filter { !next[label, default: []].contains($0) }
        }
        guard next != containers else { return false }
        containers = next
        serial &+= 1
        return true
    }

    /// Whether `label` names this host: its node id or its learned member name.
    func isThisHost(_ label: String) -> Bool { label == nodeLabel || label == hostLabel }

    /// Where a member answers for its own part of the domain: its 6PLANE `::1` first.
    static func serverAddress(of member: MemberDirectory.Member) -> IPAddress? {
        member.addresses.first { if case .v6 = $0 { true } else { false } } ?? member.addresses.first
    }
}
