/// A network this node has joined: its config, status, and what it knows of the other members.
public final class Network {
    public let id: NetworkID
    public let mac: MAC
    public internal(set) var status: NetworkStatus = .requestingConfiguration
    public internal(set) var config: NetworkConfig?
    /// The config dictionary as signed by the controller (what is stored and compared).
    var configBytes: [UInt8]?
    var assembler: ConfigAssembler
    var lastConfigRequest: Int64 = 0
    /// When the config last changed: credentials must then be pushed again.
    var configChanged: Int64 = 0
    var members: [Address: Membership] = [:]
    /// Whether any revocation ever came: until one does, sending a frame needs no membership lookup.
    private(set) var hasRevocations = false

    /// A revocation: credentials of `member` at or below `threshold` no longer count.
    func revoke(_ member: Address, before threshold: Int64) {
        members[member, default: Membership()].revokedBefore = max(members[member]?.revokedBefore ?? .min, threshold)
        hasRevocations = true
    }

    /// Forgets what it kept about peers that showed no credentials and are no longer known (an entry is made for any
    /// authenticated sender of frames, to rate its credential requests), so that strangers cannot grow the table.
    func forgetStrangers(known peers: [Address: Peer], now: Int64) {
        members = members.filter { address, m in
            !m.holdsNothing || peers[address] != nil || now - m.lastCredentialRequest < 60_000
        }
    }

    /// Groups our host subscribed to on the tap (the address-resolution groups of our IPs are added to these).
    var subscriptions: Set<MulticastGroup> = []
    var lastAnnounce: Int64 = 0
    var lastGather: [MulticastGroup: Int64] = [:]
    /// Multicasts waiting for members to be learned (5 s).
    var pendingMulticasts: [(group: MulticastGroup, frame: MulticastFrame, queued: Int64, sentTo: Set<Address>)] = []

    init(id: NetworkID, node: Address) {
        self.id = id
        mac = MAC(node: node, network: id)
        assembler = ConfigAssembler(network: id)
    }

    var state: NetworkState {
        NetworkState(network: id, status: status, config: config, mac: mac, joined: true)
    }

    /// The groups we announce: the tap's, plus ARP (IPv4) and solicited-node (IPv6) groups of our addresses, plus
    /// broadcast when the network enables it.
    public var announcedGroups: Set<MulticastGroup> {
        var groups = subscriptions
        for ip in config?.staticIPs ?? [] {
            switch ip.address {
            case .v4(let a): groups.insert(.arp(a))
            case .v6(let a): groups.insert(.solicitedNode(a))
            }
        }
        if config?.broadcastEnabled == true { groups.insert(.broadcast) }
        return groups
    }

    /// Whether `peer` may exchange frames with us here: public network, or its certificate agrees with ours and is
    /// not revoked.
    public func gate(_ peer: Peer) -> Bool {
        guard let config else { return false }
        if config.isPublic { return true }
        guard let mine = config.com, let membership = members[peer.address], let theirs = membership.com else {
            return false
        }
        if let cached = membership.agreement, cached.ours == mine.timestamp, cached.theirs == theirs.timestamp,
            cached.revokedBefore == membership.revokedBefore
        {
            return cached.result
        }
        let result = theirs.timestamp > membership.revokedBefore && mine.agrees(with: theirs, otherIdentity: peer.identity)
        members[peer.address]?.agreement = (mine.timestamp, theirs.timestamp, membership.revokedBefore, result)
        return result
    }
}
