import Logging
import SixplaneCore

/// ZeroTier-compatible network controller: answers config requests for networks whose id starts with its node's
/// address, from a `ControllerStore`, and pushes configs and revocations when records change.
///
/// Not thread-safe: the daemon calls it (hook and API) on the node's serialized context.
public final class Controller: NetworkControllerHook {
    public let identity: Identity
    public let store: ControllerStore
    public private(set) weak var node: Node?
    let logger = Logger(label: "sixplane.controller")

    /// Members that asked recently: pushes go to these (ZeroTier: "online" = requested within 120 s).
    struct Online {
        var lastRequest: Int64
        var metadata: ConfigDictionary
        var identity: Identity
    }

    static let onlineWindow: Int64 = 120_000
    var online: [NetworkID: [Address: Online]] = [:]
    /// The last good records, served when the database is unavailable.
    var lastNetworks: [NetworkID: ControllerNetwork] = [:]
    var lastMembers: [NetworkID: [Address: ControllerMember]] = [:]
    var activeBridges: [NetworkID: [Address]] = [:]
    public private(set) var answered = 0
    public private(set) var refused = 0
    public private(set) var failures = 0

    public init(identity: Identity, store: ControllerStore) {
        self.identity = identity
        self.store = store
    }

    /// Serves config requests that reach `node` and pushes through it.
    public func attach(to node: Node) {
        self.node = node
        node.controller = self
    }

    // MARK: Config requests

    public func handleConfigRequest(
        node: Node, network id: NetworkID, from requester: Identity, metadata: ConfigDictionary, requestPacketID: UInt64,
        now: Int64
    ) {
        switch answer(network: id, requester: requester, metadata: metadata, now: now) {
        case .config(let config):
            node.sendNetworkConfig(config, to: requester.address, requestPacketID: requestPacketID, now: now)
        case .refused(let code):
            node.sendNetworkConfigError(network: id, to: requester.address, code: code, requestPacketID: requestPacketID, now: now)
        case .none:
            break
        }
    }

    public enum Answer: Equatable {
        case config(NetworkConfig)
        case refused(ErrorCode)
        /// The database failed and nothing is cached: no answer; the member retries.
        case none
    }

    /// The answer to a member's request (§8.4), without sending it.
    public func answer(network id: NetworkID, requester: Identity, metadata: ConfigDictionary, now: Int64) -> Answer {
        let answer = decide(network: id, requester: requester, metadata: metadata, now: now)
        switch answer {
        case .config: answered += 1
        case .refused: refused += 1
        case .none: failures += 1
        }
        return answer
    }

    private func decide(network id: NetworkID, requester: Identity, metadata: ConfigDictionary, now: Int64) -> Answer {
        guard id.controller == identity.address else { return .refused(.objectNotFound) }
        let network: ControllerNetwork
        do {
            guard let n = try store.network(id) else { return .refused(.objectNotFound) }
            network = n
            lastNetworks[id] = n
        } catch {
            guard let cached = lastNetworks[id] else {
                logger.warning("config request unanswered: database unavailable", metadata: ["network": "\(id)"])
                return .none
            }
            network = cached
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
                try ConfigBuilder.assignAddresses(&m, network: network, ipTaken: ipTaken, random: { self.node?.random() ?? UInt64.random(in: .min ... .max) })
            }
        } catch {
            member = lastMembers[id]?[requester.address]
            if member == nil {
                logger.warning("config request unanswered: database unavailable", metadata: ["network": "\(id)", "member": "\(requester.address)"])
                return .none
            }
        }
        guard let member else { return .refused(.objectNotFound) }
        if collision { return .refused(.networkAccessDenied) }
        if let problem = member.ipAssignmentError, lastMembers[id]?[requester.address]?.ipAssignmentError != problem {
            logger.warning("\(problem)", metadata: ["network": "\(id)", "member": "\(requester.address)"])
        }
        lastMembers[id, default: [:]][requester.address] = member
        online[id, default: [:]][requester.address] = Online(lastRequest: now, metadata: metadata, identity: requester)
        guard member.authorized else { return .refused(.networkAccessDenied) }
        do {
            return .config(
                try ConfigBuilder.build(
                    network: network, member: member, identity: requester, metadata: metadata,
                    activeBridges: bridges(id), signer: identity, now: now))
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

    /// Members that asked within the last 120 s.
    public func onlineMembers(_ id: NetworkID, now: Int64) -> [Address] {
        (online[id] ?? [:]).filter { now - $0.value.lastRequest <= Self.onlineWindow }.map(\.key).sorted()
    }

    /// After a network changed: a fresh config to every online member.
    func networkChanged(_ id: NetworkID, now: Int64) {
        activeBridges[id] = nil
        for member in onlineMembers(id, now: now) { push(id, to: member, now: now) }
    }

    /// After a member changed: its fresh config (or, if it lost its authorization, a revocation to everyone online
    /// and an access-denied notice to it).
    func memberChanged(_ id: NetworkID, _ address: Address, before: ControllerMember?, after: ControllerMember?, now: Int64) {
        if before?.activeBridge != after?.activeBridge { activeBridges[id] = nil }
        lastMembers[id]?[address] = after
        let deauthorized = (before?.authorized ?? false) && !(after?.authorized ?? false)
        if deauthorized { revoke(id, address, now: now) }
        if after?.authorized == true { push(id, to: address, now: now) }
    }

    func push(_ id: NetworkID, to address: Address, now: Int64) {
        guard let node, let o = online[id]?[address], now - o.lastRequest <= Self.onlineWindow else { return }
        switch answer(network: id, requester: o.identity, metadata: o.metadata, now: now) {
        case .config(let config): node.sendNetworkConfig(config, to: address, requestPacketID: 0, now: now)
        case .refused(let code): node.sendNetworkConfigError(network: id, to: address, code: code, requestPacketID: 0, now: now)
        case .none: break
        }
    }

    /// Revokes a member's certificate (threshold now) at every online member, and tells the member.
    func revoke(_ id: NetworkID, _ address: Address, now: Int64) {
        guard let node else { return }
        guard let revocation = try? Revocation(
            id: UInt32(truncatingIfNeeded: node.random()), network: id, threshold: now, flags: Revocation.flagFastPropagate,
            target: address, credentialType: 1
        ).signed(by: identity) else { return }
        node.sendRevocations([revocation], to: onlineMembers(id, now: now).filter { $0 != address }, now: now)
        node.sendNetworkConfigError(network: id, to: address, code: .networkAccessDenied, requestPacketID: 0, now: now)
        online[id]?[address] = nil
    }

    /// Drops everything remembered about a deleted network.
    func forget(_ id: NetworkID) {
        online[id] = nil
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
                let before = lastMembers[network]?[member]
                let after: ControllerMember?
                do { after = try store.member(network, member) } catch { continue }
                memberChanged(network, member, before: before, after: after, now: now)
            case .network(let network):
                refreshNetwork(network, now: now)
            case .unknown:
                for network in online.keys.sorted() { refreshNetwork(network, now: now) }
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
                memberChanged(network, address, before: before, after: after, now: now)
            }
        }
        networkChanged(network, now: now)
    }
}
