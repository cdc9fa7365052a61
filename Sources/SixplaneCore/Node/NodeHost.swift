/// What a `Node` needs from the world around it. The node itself does no I/O: it calls these, synchronously, from
/// inside its entry points, on whatever thread drives it.
public protocol NodeHost: AnyObject {
    /// Sends one UDP datagram from local socket `localSocket`. `ttl` is set only for the tiny NAT-opening packets
    /// (an IP time to live low enough that they open the sender's NAT but die before the peer's). A datagram that
    /// cannot be sent is lost, as UDP may lose any: the node's retries and path checks cover it.
    func send(datagram: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int, ttl: Int?)

    /// Sends datagrams laid end to end in `segments`, each `segmentSize` bytes but the last (which may be shorter),
    /// all to one address: the pieces of a packet, or of a burst of packets to one peer. A host with UDP GSO sends
    /// them in one system call; the default sends them one by one.
    func send(segments: UnsafeRawBufferPointer, segmentSize: Int, to address: InetAddress, localSocket: Int)

    /// Writes a frame to the tap of `network`. The host may hold it (to merge TCP segments) until `endOfBurst()`.
    func deliver(
        network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer)

    /// The end of a burst (`Node.burst(_:)`): frames held from `deliver` are written now.
    func endOfBurst()

    /// A network's configuration or status changed (joined, configured, reconfigured, denied, left).
    func networkChanged(_ state: NetworkState)

    /// Persists (or, with nil, deletes) a piece of state the node wants back after a restart.
    func store(_ object: StateObject, data: [UInt8]?)

    /// Random bits (packet ids, update ids, choices among peers).
    func random() -> UInt64

    /// Something worth a log line or a metric.
    func event(_ event: NodeEvent)

    /// Offers to check a new peer's identity (the memory-hard hash, ~7 ms) off the node's thread. Return true to
    /// take it: the host then calls `Node.identityChecked(_:valid:now:)` in the node's serialized context. With
    /// false (the default) the node checks it itself with `NodeConfiguration.validateIdentity`.
    func validateLater(_ identity: Identity) -> Bool

    /// A piece of state stored before (`store(_:data:)`), or nil. The node asks for `.peer` when it needs an
    /// identity it does not know, before asking a root.
    func load(_ object: StateObject) -> [UInt8]?
}

extension NodeHost {
    public func validateLater(_ identity: Identity) -> Bool { false }
    public func load(_ object: StateObject) -> [UInt8]? { nil }
    public func endOfBurst() {}

    public func send(segments: UnsafeRawBufferPointer, segmentSize: Int, to address: InetAddress, localSocket: Int) {
        sendOneByOne(segments: segments, segmentSize: segmentSize, to: address, localSocket: localSocket)
    }

    /// `send(datagram:)` for each of the segments.
    public func sendOneByOne(segments: UnsafeRawBufferPointer, segmentSize: Int, to address: InetAddress, localSocket: Int) {
        var at = 0
        while at < segments.count {
            let end = min(at + segmentSize, segments.count)
            send(datagram: UnsafeRawBufferPointer(rebasing: segments[at..<end]), to: address, localSocket: localSocket, ttl: nil)
            at = end
        }
    }
}

/// A network as the host should configure it.
public struct NetworkState: Equatable, Sendable {
    public var network: NetworkID
    public var status: NetworkStatus
    public var config: NetworkConfig?
    public var mac: MAC
    /// False once the network has been left.
    public var joined: Bool

    public init(network: NetworkID, status: NetworkStatus, config: NetworkConfig?, mac: MAC, joined: Bool) {
        self.network = network
        self.status = status
        self.config = config
        self.mac = mac
        self.joined = joined
    }
}

/// A network's status, named as ZeroTier's API names them.
public enum NetworkStatus: String, Sendable, CaseIterable {
    case requestingConfiguration = "REQUESTING_CONFIGURATION"
    case ok = "OK"
    case accessDenied = "ACCESS_DENIED"
    case notFound = "NOT_FOUND"
    case portError = "PORT_ERROR"
    case clientTooOld = "CLIENT_TOO_OLD"
    case authenticationRequired = "AUTHENTICATION_REQUIRED"
}

/// State the node asks its host to keep.
public enum StateObject: Hashable, Sendable {
    case planet
    case moon(UInt64)
    case peer(Address)
    case networkConfig(NetworkID)
}

/// Things that happened, for logs and metrics.
public enum NodeEvent: Equatable, Sendable {
    case online
    case offline
    case peerAdded(Address)
    case pathLearned(Address, InetAddress)
    case networkStatus(NetworkID, NetworkStatus)
    case worldUpdated(UInt64, timestamp: UInt64)
    /// A root reported that another node uses our address with a different key.
    case identityCollision
    case dropped(DropReason)
    case debug(String)
}

/// Why a datagram, packet or frame was not accepted (each is counted).
public enum DropReason: String, Sendable, CaseIterable {
    case tooShort
    case malformed
    case oversize
    case badMAC
    case unsupportedSuite
    case decompressionFailed
    case unknownPeer
    case fromSelf
    case unexpectedReply
    case stale
    case notAMember
    case spoofedSource
    case rateLimited
    case hopLimit
    case invalidIdentity
    case identityCollision
    case notAnUpstream
    case fragmentMalformed
    case fragmentDuplicate
    case fragmentInconsistent
    case badCredential
    case noConfig
    case rulesDropped
    case noRoute
    /// A frame for a member whose certificate the controller revoked (beyond ZeroTier, which still sends).
    case revokedDestination
    /// A HELLO of a new identity from a source prefix (IPv4 /24, IPv6 /48) that brought one less than 2 s ago.
    case newIdentityRateLimited
    /// A HELLO of a new identity past the node-wide budget of key agreements per second.
    case agreementBudgetSpent
    /// An authenticated HELLO of a new identity past the budget of identity validations per second.
    case validationBudgetSpent
    /// A WHOIS lookup with no room (or, started by an unknown sender's packet, no budget).
    case lookupRefused
    /// A bounded table was full of live entries (peers, multicast directory, config requesters).
    case tableFull
    /// A packet pushed out of a full queue by a newer one.
    case evicted
    /// Credentials past a peer's budget of signature checks per second.
    case credentialBudgetSpent
    /// A config chunk not sent by the network's controller.
    case notFromController
    /// An ARP packet whose sender address or MAC is not the sending member's.
    case spoofedARP
    /// A neighbor advertisement or solicitation whose target or link-layer address is not the sending member's.
    case spoofedNeighbor
    /// A link-local IPv6 source that is not the sending member's own (the EUI-64 of its MAC).
    case spoofedLinkLocal
    /// An IPv4 source on a network that assigns IPv4, from a member with no certificate of ownership for it.
    case uncertifiedIPv4
}
