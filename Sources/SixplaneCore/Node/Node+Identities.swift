extension Node {
    // MARK: Learning identities

    /// Checks a new identity, then adopts it as a peer: at once with `configuration.validateIdentity`, or, where the
    /// host checks identities off the node's thread, when its verdict comes (`identityChecked`), after which what
    /// waited for it (`purpose`) is handled. Returns the peer if it is known now.
    @discardableResult
    func verify(_ candidate: Identity, keys: PeerKeys? = nil, for purpose: IdentityChecks.Purpose, now: Int64) -> Peer? {
        if let existing = topology.peers[candidate.address] { return existing.identity == candidate ? existing : nil }
        guard candidate.address != address else {
            drop(.invalidIdentity)
            return nil
        }
        switch identityChecks.start(candidate, for: purpose, now: now) {
        case .refused:
            drop(.validationBudgetSpent)
            return nil
        case .joined:
            return nil
        case .new:
            break
        }
        statistics.identityValidations += 1
        if host.validateLater(candidate) { return nil }
        _ = identityChecks.finish(candidate)
        guard configuration.validateIdentity(candidate) else {
            statistics.invalidIdentities += 1
            drop(.invalidIdentity)
            return nil
        }
        return adopt(candidate, keys: keys, now: now)
    }

    /// The host's verdict on an identity it took with `validateLater`. Must be called in the node's serialized
    /// context; a verdict the node did not ask for (or gave up waiting for) is ignored.
    public func identityChecked(_ checked: Identity, valid: Bool, now: Int64) {
        guard let purposes = identityChecks.finish(checked) else { return }
        guard valid else {
            statistics.invalidIdentities += 1
            drop(.invalidIdentity)
            return
        }
        guard adopt(checked, now: now) != nil else { return }
        for case .hello(let packet, let from, let localSocket) in purposes {
            receiveHello(packet, from: from, localSocket: localSocket, now: now)
        }
    }

    /// Makes a peer of an identity that needs no more checking (validated, or a root of our planet) and releases
    /// what waited for it.
    @discardableResult
    func adopt(_ known: Identity, keys: PeerKeys? = nil, now: Int64) -> Peer? {
        if let existing = topology.peers[known.address] { return existing.identity == known ? existing : nil }
        guard known.address != address, let keys = keys ?? (try? PeerKeys(local: identity, peer: known)) else {
            drop(.invalidIdentity)
            return nil
        }
        if topology.peers.count >= configuration.limits.peers {
            forgetIdlePeers(now: now)
            guard topology.peers.count < configuration.limits.peers else {
                drop(.tableFull)
                return nil
            }
        }
        let peer = Peer(identity: known.publicOnly, keys: keys, credentialChecksPerSecond: configuration.limits.credentialChecksPerSecond)
        topology.peers[known.address] = peer
        host.event(.peerAdded(known.address))
        let waiting = whois.resolved(known.address)
        for w in waiting.packets { handlePacket(w.packet, from: w.address, localSocket: w.localSocket, now: now) }
        for w in waiting.sends {
            sendPacket(verb: w.verb, payload: w.payload, to: peer, now: now, expectReply: w.expectReply)
        }
        return peer
    }

    /// The peer table is full: the longest-silent sixteenth of the peers that are not upstreams and carry no
    /// network traffic lately are forgotten (those that ever did are remembered on disk, as housekeeping does).
    func forgetIdlePeers(now: Int64) {
        let idle = topology.peers.values.filter {
            !topology.isUpstream($0.address) && now - $0.lastActivity > Timers.peerActivity
        }.sorted { $0.lastReceive != $1.lastReceive ? $0.lastReceive < $1.lastReceive : $0.address < $1.address }
        for peer in idle.prefix(max(1, configuration.limits.peers / 16)) { forget(peer) }
    }

    func forget(_ peer: Peer) {
        if peer.lastActivity > 0 { host.store(.peer(peer.address), data: peer.identity.serialized()) }
        topology.peers[peer.address] = nil
    }

    /// A peer remembered from before (the host's `peers.d`): known without a WHOIS, and tried once at each of its
    /// last addresses. The identity is validated here (use `load` to have the node ask only when it needs one).
    public func addCachedPeer(_ cached: Identity, addresses: [InetAddress], now: Int64) {
        guard topology.peers[cached.address] == nil else { return }
        guard configuration.validateIdentity(cached), let peer = adopt(cached, now: now) else {
            drop(.invalidIdentity)
            return
        }
        for a in addresses where isUsablePath(a) {
            pathProber.note(a, now: now)
            sendHello(to: peer, address: a, localSocket: 0, now: now)
        }
    }

    // MARK: WHOIS

    /// Looks up `target`: from the host's cache of peers first, else by WHOIS to the best root. `own` lookups are
    /// for the node's own needs and have room of their own. Returns whether a lookup is under way.
    @discardableResult
    func requestWhois(_ target: Address, own: Bool, now: Int64) -> Bool {
        guard target != address else { return false }
        switch whois.lookUp(target, own: own, now: now) {
        case .refused:
            drop(.lookupRefused)
            return false
        case .wait:
            return true
        case .started:
            if let cached = cachedIdentity(target), verify(cached, for: .lookup, now: now) != nil { return true }
        case .retry:
            break
        }
        guard let root = topology.bestRoot(now, excluding: target), root.address != address else { return true }
        send(.whois(Whois(addresses: [target])), to: root, now: now, expectReply: true)
        return true
    }

    private func cachedIdentity(_ target: Address) -> Identity? {
        guard let bytes = host.load(.peer(target)), bytes.count <= 4096 else { return nil }
        var reader = ByteReader(bytes, context: "cached peer")
        guard let cached = try? Identity(reading: &reader), cached.address == target else { return nil }
        return cached.publicOnly
    }
}
