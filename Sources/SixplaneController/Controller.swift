import Logging
import SixplaneCore

/// ZeroTier-compatible network controller: answers config requests for networks whose id starts with its node's
/// address, from a `ControllerStore`, and pushes configs and revocations when records change.
///
/// Not thread-safe: everything (requests, API, ticks) runs in one serialized context. In tests that is the node's;
/// the daemon gives the controller an executor of its own (`link` then hops to the node), so that a slow database
/// never stops the node.
public final class Controller: NetworkControllerHook {
    public let identity: Identity
    public let store: ControllerStore
    /// Where answers, errors and revocations go.
    public weak var link: ControllerLink?
    let logger = Logger(label: "sixplane.controller")

    /// Members that asked recently: pushes go to these (ZeroTier: "online" = requested within 120 s).
    struct Online {
        var lastRequest: Int64
        var metadata: ConfigDictionary
        var identity: Identity
    }

    public static let onlineWindow: Int64 = 120_000
    var online: [NetworkID: [Address: Online]] = [:]
    /// When each member last asked, kept after it goes quiet (the table's "last seen"), since this controller started;
    /// only a network's existing members are recorded, at most `maximumSeenPerNetwork` a network.
    var seen: [NetworkID: [Address: Int64]] = [:]
    public static let maximumSeenPerNetwork = 1 << 21
    /// Requests not recorded in `seen` because their network's map was full.
    public private(set) var seenNotRecorded = 0
    /// The last good records, served when the database is unavailable.
    var lastNetworks: [NetworkID: ControllerNetwork] = [:]
    var lastMembers: [NetworkID: [Address: ControllerMember]] = [:]
    var activeBridges: [NetworkID: [Address]] = [:]
    /// Told of each member as it stands after a change or a config answer (nil: deleted or gone), and of each
    /// network changed or deleted, in the controller's context: the daemon's DNS directory follows members this way.
    public var memberObserver: ((NetworkID, Address, ControllerMember?) -> Void)?
    public var networkObserver: ((NetworkID) -> Void)?
    public private(set) var answered = 0
    public private(set) var refused = 0
    public private(set) var failures = 0

    public init(identity: Identity, store: ControllerStore) {
        self.identity = identity
        self.store = store
    }

    /// Serves config requests that reach `node`, in its context, and pushes through it.
    public func attach(to node: Node) {
        link = node
        node.controller = self
    }

    // MARK: Config requests

    /// A member may ask once a second per network (ZeroTier's minimum request period); faster requests are dropped.
    public static let minimumRequestInterval: Int64 = 1000
    /// Requests dropped by that limit.
    public private(set) var rateLimited = 0

    public func handleConfigRequest(
        node: Node, network id: NetworkID, from requester: Identity, metadata: ConfigDictionary, requestPacketID: UInt64,
        now: Int64
    ) {
        handleConfigRequest(network: id, from: requester, metadata: metadata, requestPacketID: requestPacketID, now: now)
    }

    /// Answers a member's request through `link`.
    public func handleConfigRequest(network id: NetworkID, from requester: Identity, metadata: ConfigDictionary, requestPacketID: UInt64, now: Int64) {
        if let o = online[id]?[requester.address], now - o.lastRequest < Self.minimumRequestInterval, now >= o.lastRequest {
            rateLimited += 1
            return
        }
        let response = respond(network: id, requester: requester, metadata: metadata, now: now)
        // Only a member's own requests make it "online" (pushes answer through `respond` too, and must not), and only
        // on a network that exists: strangers asking for made-up ids leave nothing behind.
        if lastNetworks[id] != nil {
            online[id, default: [:]][requester.address] = Online(lastRequest: now, metadata: metadata, identity: requester)
            if seen[id]?[requester.address] != nil || (seen[id]?.count ?? 0) < Self.maximumSeenPerNetwork {
                seen[id, default: [:]][requester.address] = now
            } else {
                seenNotRecorded += 1
            }
        }
        switch response {
        case .config(let config, let chunks):
            link?.sendNetworkConfig(config, chunks: chunks, to: requester.address, requestPacketID: requestPacketID, now: now)
        case .refused(let code):
            link?.sendNetworkConfigError(network: id, to: requester.address, code: code, requestPacketID: requestPacketID, now: now)
        case .none:
            break
        }
    }

    public enum Answer: Equatable, Sendable {
        case config(NetworkConfig)
        case refused(ErrorCode)
        /// The database failed and nothing is cached: no answer; the member retries.
        case none
    }

    /// The answer to a member's request (§8.4), without sending it.
    public func answer(network id: NetworkID, requester: Identity, metadata: ConfigDictionary, now: Int64) -> Answer {
        switch respond(network: id, requester: requester, metadata: metadata, now: now) {
        case .config(let config, _): .config(config)
        case .refused(let code): .refused(code)
        case .none: .none
        }
    }

    /// An answer as it is sent: the config with its signed chunks.
    public enum Response {
        case config(NetworkConfig, chunks: [NetworkConfigChunk])
        case refused(ErrorCode)
        case none
    }

    /// Answers a request, with the signed chunks to send (reused when the member asks again, unchanged, within
    /// `reuseWindow`).
    public func respond(network id: NetworkID, requester: Identity, metadata: ConfigDictionary, now: Int64) -> Response {
        let response: Response
        let (prior, network) = reusable(network: id, requester: requester, metadata: metadata, now: now)
        if let prior {
            reused += 1
            response = .config(prior.config, chunks: prior.chunks)
        } else {
            switch decide(network: id, requester: requester, metadata: metadata, read: network, now: now) {
            case .config(let config, let networkRevision, let memberRevision, let reusable):
                do {
                    let chunks = try signedChunks(config)
                    // An answer from the last known state (database down) is not kept: once the database is back,
                    // the member's next request must reach it.
                    if reusable {
                        remember(
                        Issued(
                            networkRevision: networkRevision, memberRevision: memberRevision, metadata: metadata,
                            identity: requester, bridges: bridges(id), issuedAt: now, config: config, chunks: chunks),
                        network: id, member: requester.address)
                    }
                    response = .config(config, chunks: chunks)
                } catch {
                    logger.error("cannot sign config", metadata: ["error": "\(error)"])
                    response = .none
                }
            case .refused(let code):
                issued[id]?[requester.address] = nil
                response = .refused(code)
            case .none:
                response = .none
            }
        }
        switch response {
        case .config: answered += 1
        case .refused: refused += 1
        case .none: failures += 1
        }
        return response
    }

    // MARK: Answer reuse

    /// A member's last answer. The expensive part of answering is signing (membership and ownership certificates,
    /// each chunk): when the member asks again with nothing changed (same records, metadata, identity, bridges)
    /// soon after, it gets the same signed answer. The certificates are then up to `reuseWindow` older than
    /// ZeroTier's controller would make them, far inside the window in which members compare them.
    struct Issued {
        var networkRevision: Int64
        var memberRevision: Int64
        var metadata: ConfigDictionary
        var identity: Identity
        var bridges: [Address]
        var issuedAt: Int64
        var config: NetworkConfig
        var chunks: [NetworkConfigChunk]
    }

    /// How long (ms) an answer may be reused; 0 answers every request afresh, as ZeroTier does.
    public var reuseWindow: Int64 = 60_000
    /// At most this many answers are kept for reuse.
    public var reuseCapacity = 200_000
    var issued: [NetworkID: [Address: Issued]] = [:]
    public private(set) var reused = 0

    /// The member's last answer if it still stands, and the network if it was read to find out (an answer made
    /// afresh uses it rather than reading it again).
    private func reusable(
        network id: NetworkID, requester: Identity, metadata: ConfigDictionary, now: Int64
    ) -> (Issued?, ControllerNetwork?) {
        guard reuseWindow > 0, let prior = issued[id]?[requester.address], now - prior.issuedAt < reuseWindow,
            now >= prior.issuedAt, prior.identity == requester, prior.metadata == metadata
        else { return (nil, nil) }
        // Still current: the network's and the member's revisions are what they were (one small read each), so an
        // authorization or any other change made anywhere, even by another process, is never missed.
        guard let network = try? store.network(id) else { return (nil, nil) }
        guard network.revision == prior.networkRevision,
            let state = try? store.memberState(id, requester.address), state.revision == prior.memberRevision, state.authorized,
            bridges(id) == prior.bridges
        else { return (nil, network) }
        return (prior, network)
    }

    private func remember(_ answer: Issued, network id: NetworkID, member: Address) {
        guard reuseWindow > 0 else { return }
        if issued[id]?[member] == nil {
            // Counted here rather than kept in step with every removal (a handful of networks to add up).
            guard issued.values.reduce(0, { $0 + $1.count }) < reuseCapacity else { return }
        }
        issued[id, default: [:]][member] = answer
    }

    private func signedChunks(_ config: NetworkConfig) throws(CryptoError) -> [NetworkConfigChunk] {
        try NetworkConfigChunk.chunks(of: config.dictionary.encoded, network: config.network, updateID: random() | 1, signer: identity)
    }

    /// Random bits from the link's node when there is one (deterministic in simulations), else the system's.
    func random() -> UInt64 {
        if let link { return link.random() }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }

    enum Decision {
        case config(NetworkConfig, networkRevision: Int64, memberRevision: Int64, reusable: Bool)
        case refused(ErrorCode)
        case none
    }

    private func decide(
        network id: NetworkID, requester: Identity, metadata: ConfigDictionary, read: ControllerNetwork?, now: Int64
    ) -> Decision {
        guard id.controller == identity.address else { return .refused(.objectNotFound) }
        let network: ControllerNetwork
        var degraded = false
        do {
            guard let n = try read ?? store.network(id) else {
                lastNetworks[id] = nil
                return .refused(.objectNotFound)
            }
            network = n
            lastNetworks[id] = n
        } catch {
            guard let cached = lastNetworks[id] else {
                logger.warning("config request unanswered: database unavailable", metadata: ["network": "\(id)"])
                return .none
            }
            network = cached
            degraded = true
        }
        var collision = false
        var member: ControllerMember?
        do {
            member = try store.updateMember(id, requester.address, create: true, now: now) { m, ipTaken throws(ControllerError) in
                if let known = m.identity, known != requester.description {
                    collision = true
                    return
                }
                m.identity = requester.description
                if !m.authorized {
                    if !network.isPrivate {
                        m.authorized = true
                        m.lastAuthorizedTime = now
                        m.lastAuthorizedCredentialType = "public"
                    } else if let token = Self.token(metadata), Self.tokenValid(token, network, now) {
                        m.authorized = true
                        m.lastAuthorizedTime = now
                        m.lastAuthorizedCredentialType = "token"
                        m.lastAuthorizedCredential = token
                    }
                }
                guard m.authorized else { return }
                m.vMajor = Int64(metadata.integer("majv") ?? 0)
                m.vMinor = Int64(metadata.integer("minv") ?? 0)
                m.vRev = Int64(metadata.integer("revv") ?? 0)
                m.vProto = Int64(metadata.integer("pv") ?? 0)
                try ConfigBuilder.assignAddresses(&m, network: network, ipTaken: ipTaken, random: { self.random() })
            }
        } catch {
            member = lastMembers[id]?[requester.address]
            degraded = true
            if member == nil {
                logger.warning("config request unanswered: database unavailable", metadata: ["network": "\(id)", "member": "\(requester.address)"])
                return .none
            }
        }
        guard let member else { return .refused(.objectNotFound) }
        if collision { return .refused(.networkAccessDenied) }
        if !degraded { memberObserver?(id, requester.address, member) }
        if let problem = member.ipAssignmentError, lastMembers[id]?[requester.address]?.ipAssignmentError != problem {
            logger.warning("\(problem)", metadata: ["network": "\(id)", "member": "\(requester.address)"])
        }
        lastMembers[id, default: [:]][requester.address] = member
        guard member.authorized else { return .refused(.networkAccessDenied) }
        do {
            let config = try ConfigBuilder.build(
                network: network, member: member, identity: requester, metadata: metadata,
                activeBridges: bridges(id), signer: identity, now: now)
            return .config(config, networkRevision: network.revision, memberRevision: member.revision, reusable: !degraded)
        } catch {
            logger.error("cannot sign config", metadata: ["error": "\(error)"])
            return .none
        }
    }

    static func token(_ metadata: ConfigDictionary) -> String? {
        guard let a = metadata.string("a"), a.hasPrefix("token:") else { return nil }
        return String(a.dropFirst(6))
    }

    static func tokenValid(_ token: String, _ network: ControllerNetwork, _ now: Int64) -> Bool {
        guard let expiry = network.authTokens[token]?.intValue else { return false }
        return expiry == 0 || expiry > now
    }

    func bridges(_ id: NetworkID) -> [Address] {
        if let cached = activeBridges[id] { return cached }
        let list = (try? store.activeBridges(id)) ?? []
        activeBridges[id] = list
        return list
    }

    // MARK: Pushes

    /// When each member of a network last asked for its config, since this controller started (ZeroTier keeps its
    /// request times in memory too); a member that asked within `onlineWindow` ms is online.
    public func lastSeen(_ id: NetworkID) -> [Address: Int64] { seen[id] ?? [:] }

    /// Members that asked within the last 120 s.
    public func onlineMembers(_ id: NetworkID, now: Int64) -> [Address] {
        (online[id] ?? [:]).filter { now - $0.value.lastRequest <= Self.onlineWindow }.map(\.key).sorted()
    }

    /// After a network changed: a fresh config to every online member.
    func networkChanged(_ id: NetworkID, now: Int64) {
        networkObserver?(id)
        activeBridges[id] = nil
        for member in onlineMembers(id, now: now) { push(id, to: member, now: now) }
    }

    /// After a member changed: a revocation to everyone online if it lost its authorization, then its own answer
    /// (a fresh config, or access denied). `push: false` when a network-wide push follows anyway.
    func memberChanged(
        _ id: NetworkID, _ address: Address, before: ControllerMember?, after: ControllerMember?, now: Int64, push: Bool = true
    ) {
        // The bridge list holds authorized active bridges: either flag changes it.
        memberObserver?(id, address, after)
        let bridging = { (m: ControllerMember?) in m?.activeBridge == true && m?.authorized == true }
        if bridging(before) != bridging(after) { activeBridges[id] = nil }
        lastMembers[id]?[address] = after
        if after == nil { seen[id]?[address] = nil }
        if before?.authorized == true && after?.authorized != true { revoke(id, address, now: now) }
        if after == nil {
            // Deleted: a push would answer through the store and create the record again.
            link?.sendNetworkConfigError(network: id, to: address, code: .networkAccessDenied, requestPacketID: 0, now: now)
        } else if push {
            self.push(id, to: address, now: now)
        }
    }

    func push(_ id: NetworkID, to address: Address, now: Int64) {
        guard let link, let o = online[id]?[address], now - o.lastRequest <= Self.onlineWindow else { return }
        switch respond(network: id, requester: o.identity, metadata: o.metadata, now: now) {
        case .config(let config, let chunks): link.sendNetworkConfig(config, chunks: chunks, to: address, requestPacketID: 0, now: now)
        case .refused(let code): link.sendNetworkConfigError(network: id, to: address, code: code, requestPacketID: 0, now: now)
        case .none: break
        }
    }

    /// Revokes a member's certificate (threshold now) at every online member. The member itself stays online, so it
    /// hears it is denied from the push that follows, and gets its config pushed if it is authorized again soon
    /// (as ZeroTier's controller does; it would otherwise wait for its next refresh, a minute away).
    func revoke(_ id: NetworkID, _ address: Address, now: Int64) {
        guard let link else { return }
        guard let revocation = try? Revocation(
            id: UInt32(truncatingIfNeeded: link.random()), network: id, threshold: now, flags: Revocation.flagFastPropagate,
            target: address, credentialType: 1
        ).signed(by: identity) else { return }
        link.sendRevocations([revocation], to: onlineMembers(id, now: now).filter { $0 != address }, now: now)
    }

    /// Drops everything remembered about a deleted network.
    func forget(_ id: NetworkID) {
        networkObserver?(id)
        issued[id] = nil
        online[id] = nil
        seen[id] = nil
        lastNetworks[id] = nil
        lastMembers[id] = nil
        activeBridges[id] = nil
    }

    /// Applies what other controller processes changed (PostgreSQL), pushing as if the change were local, and
    /// forgets members that stopped asking. Call it at least every second, and when the store wakes the daemon.
    public func tick(now: Int64) {
        for change in Set(store.takeExternalChanges()) {
            switch change {
            case .member(let network, let member):
                let after: ControllerMember?
                do { after = try store.member(network, member) } catch { continue }
                var before = lastMembers[network]?[member]
                // A member this process has not seen lately, deauthorized by another process just now: it may be
                // talking to our online members, so they get the revocation too.
                if before == nil, var was = after, !was.authorized, now - was.lastDeauthorizedTime < Self.onlineWindow {
                    was.authorized = true
                    before = was
                }
                memberChanged(network, member, before: before, after: after, now: now)
            case .network(let network):
                refreshNetwork(network, now: now)
            case .unknown:
                for network in online.keys.sorted() { refreshNetwork(network, now: now) }
            }
        }
        for (network, answers) in issued {
            for (address, a) in answers where now - a.issuedAt >= reuseWindow || now < a.issuedAt {
                issued[network]?[address] = nil
            }
        }
        // The last-state cache covers members that are online; the database holds the rest.
        for (network, members) in online {
            for (address, o) in members where now - o.lastRequest > Self.onlineWindow {
                online[network]?[address] = nil
                lastMembers[network]?[address] = nil
            }
        }
    }

    private func refreshNetwork(_ network: NetworkID, now: Int64) {
        do {
            guard let n = try store.network(network) else {
                forget(network)
                return
            }
            lastNetworks[network] = n
        } catch { return }
        // Deauthorizations made elsewhere revoke here too.
        for address in onlineMembers(network, now: now) {
            let after: ControllerMember?
            do { after = try store.member(network, address) } catch { continue }
            let before = lastMembers[network]?[address]
            if before?.authorized == true && after?.authorized != true {
                memberChanged(network, address, before: before, after: after, now: now, push: false)
            }
        }
        networkChanged(network, now: now)
    }
}
