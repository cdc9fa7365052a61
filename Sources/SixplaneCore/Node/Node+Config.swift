extension Node {
    // MARK: Member side

    /// Asks the network's controller for its config (directly, if we are that controller).
    func requestConfiguration(_ network: Network, now: Int64) {
        network.lastConfigRequest = now
        let controllerAddress = network.id.controller
        let request = NetworkConfigRequest(
            network: network.id, metadata: NetworkConfigRequest.standardMetadata(os: configuration.operatingSystem),
            haveRevision: network.config?.revision ?? 0, haveTimestamp: UInt64(bitPattern: network.config?.timestamp ?? 0))
        if controllerAddress == address {
            noteConfigRequest(network.id, from: address, now: now)
            controller?.handleConfigRequest(
                node: self, network: network.id, from: identity.publicOnly, metadata: request.metadata, requestPacketID: 0,
                now: now)
            return
        }
        send(.networkConfigRequest(request), toAddress: controllerAddress, now: now, expectReply: true)
    }

    /// A signed config chunk: an OK to our request (`pushID` nil) or a NETWORK_CONFIG push (acknowledged).
    func receiveConfigChunk(_ chunk: NetworkConfigChunk, from peer: Peer, pushID: UInt64?, now: Int64) {
        guard let network = networks[chunk.network] else { return }
        // Members may relay chunks ("fast propagate"); the controller sends each of them to us too, and only its own
        // packets are worth a signature check.
        guard peer.address == chunk.network.controller else {
            drop(.notFromController)
            return
        }
        guard let controller = controllerIdentity(chunk.network, now: now) else { return }
        guard !chunk.isLegacy || (pushID == nil && peer.address == controller.address) else {
            drop(.badCredential)
            return
        }
        let dictionary: [UInt8]
        if chunk.isLegacy {
            dictionary = chunk.data
        } else {
            switch network.assembler.add(chunk, controller: controller) {
            case .incomplete: return
            case .complete(let bytes): dictionary = bytes
            case .rejected(.duplicate): return
            case .rejected: 
                drop(.badCredential)
                return
            }
        }
        guard let config = try? NetworkConfig(bytes: dictionary), config.network == network.id,
            config.issuedTo == address
        else {
            drop(.malformed)
            return
        }
        peer.lastActivity = now
        apply(config, bytes: dictionary, to: network, now: now)
        if let pushID {
            // 1.14.1 acknowledges a pushed config as an OK to ECHO carrying the network and update id.
            var body = network.id.bytes
            body.appendUInt64(chunk.updateID)
            send(.ok(InReplyTo(verb: .echo, packetID: pushID), .echo(body)), to: peer, now: now)
        }
    }

    /// The controller's identity, asking a root for it if needed.
    func controllerIdentity(_ network: NetworkID, now: Int64) -> Identity? {
        let controllerAddress = network.controller
        if controllerAddress == address { return identity }
        if let peer = topology.peers[controllerAddress] { return peer.identity }
        requestWhois(controllerAddress, own: true, now: now)
        return nil
    }

    func apply(_ config: NetworkConfig, bytes: [UInt8], to network: Network, now: Int64) {
        guard network.configBytes != bytes || network.status != .ok else { return }
        let first = network.config == nil
        network.config = config
        network.configBytes = bytes
        network.configChanged = now
        network.status = .ok
        host.store(.networkConfig(network.id), data: bytes)
        host.networkChanged(network.state)
        host.event(.networkStatus(network.id, .ok))
        if first { announceMulticastGroups(network, now: now) }
    }

    // MARK: Credentials

    /// Our certificate (and ownership, tags, capabilities) to a peer, so that it lets our frames through.
    func pushCredentials(_ network: Network, to peer: Peer, now: Int64) {
        guard let config = network.config, let com = config.com else { return }
        peer.credentialsPushed[network.id] = now
        let creds = NetworkCredentials(
            coms: [com], capabilities: config.capabilities, tags: config.tags, ownerships: config.ownerships)
        send(.networkCredentials(creds), to: peer, now: now)
    }

    /// Pushes our credentials if this peer has not had them since our config changed, or for 500 s.
    func pushCredentialsIfNeeded(_ network: Network, to peer: Peer, now: Int64) {
        guard network.config?.com != nil else { return }
        if let last = peer.credentialsPushed[network.id], last >= network.configChanged, now - last < Timers.credentialPush {
            return
        }
        pushCredentials(network, to: peer, now: now)
    }

    /// Credentials a peer showed us. Each is compared with what we hold first (the same again, or older, costs
    /// nothing), and only a new one has its signature checked, within the peer's budget of checks per second.
    func receiveCredentials(_ creds: NetworkCredentials, from peer: Peer, now: Int64) {
        for com in creds.coms {
            guard let network = networks[com.network] else { continue }
            let held = network.members[com.issuedTo]
            if let current = held?.com, current == com, com.timestamp > (held?.revokedBefore ?? .min) {
                if com.issuedTo == peer.address { peer.lastTrusted = now }
                continue
            }
            guard com.timestamp > (held?.revokedBefore ?? .min), com.timestamp >= (held?.com?.timestamp ?? .min) else {
                drop(.stale)
                continue
            }
            guard let controller = checkable(com.network, from: peer, now: now) else { continue }
            guard com.verify(controller: controller) else {
                drop(.badCredential)
                continue
            }
            network.members[com.issuedTo, default: Membership()].com = com
            if com.issuedTo == peer.address { peer.lastTrusted = now }
        }
        for coo in creds.ownerships {
            guard let network = networks[coo.network] else { continue }
            let held = network.members[coo.issuedTo]?.ownership[coo.id]
            guard isNew(coo, held: held, newer: coo.timestamp >= (held?.timestamp ?? .min), from: peer, now: now)
            else { continue }
            network.members[coo.issuedTo, default: Membership()].ownership[coo.id] = coo
        }
        for tag in creds.tags {
            guard let network = networks[tag.network] else { continue }
            let held = network.members[tag.issuedTo]?.tags[tag.id]
            guard isNew(tag, held: held, newer: tag.timestamp >= (held?.timestamp ?? .min), from: peer, now: now)
            else { continue }
            network.members[tag.issuedTo, default: Membership()].tags[tag.id] = tag
        }
        for cap in creds.capabilities {
            guard let network = networks[cap.network], let holder = cap.custody.last?.to else { continue }
            let held = network.members[holder]?.capabilities[cap.id]
            guard isNew(cap, held: held, newer: cap.timestamp >= (held?.timestamp ?? .min), from: peer, now: now)
            else { continue }
            network.members[holder, default: Membership()].capabilities[cap.id] = cap
        }
        for revocation in creds.revocations {
            guard let network = networks[revocation.network] else { continue }
            // Already in force: nothing to check.
            if revocation.credentialType == 1, (network.members[revocation.target]?.revokedBefore ?? .min) >= revocation.threshold {
                continue
            }
            guard let controller = checkable(revocation.network, from: peer, now: now) else { continue }
            guard revocation.verify(controller: controller) else {
                drop(.badCredential)
                continue
            }
            if revocation.credentialType == 1 { network.revoke(revocation.target, before: revocation.threshold) }
        }
    }

    /// Whether a credential for `network` is new and signed by its controller: the one held again costs nothing, an
    /// older one is stale, and a new one is checked within the sender's budget.
    private func isNew<C: NetworkCredential>(_ credential: C, held: C?, newer: Bool, from peer: Peer, now: Int64) -> Bool {
        if let held, held == credential { return false }
        guard newer else {
            drop(.stale)
            return false
        }
        guard let controller = checkable(credential.network, from: peer, now: now) else { return false }
        guard credential.verify(controller: controller) else {
            drop(.badCredential)
            return false
        }
        return true
    }

    /// The controller whose signature a new credential needs, if this peer's budget allows one more check.
    private func checkable(_ network: NetworkID, from peer: Peer, now: Int64) -> Identity? {
        guard let controller = controllerIdentity(network, now: now) else { return nil }
        guard peer.credentialBudget.take(now: now) else {
            drop(.credentialBudgetSpent)
            return nil
        }
        return controller
    }

    // MARK: Controller side

    func noteConfigRequest(_ network: NetworkID, from member: Address, now: Int64) {
        if !configRequesters.record(network, member, now: now) { drop(.tableFull) }
    }

    func receiveConfigRequest(_ request: NetworkConfigRequest, from peer: Peer, packetID: UInt64, now: Int64) {
        peer.lastActivity = now
        guard request.network.controller == address, let controller else {
            let error = ErrorMessage(
                inReplyTo: InReplyTo(verb: .networkConfigRequest, packetID: packetID), code: .unsupportedOperation,
                network: request.network)
            send(.error(error), to: peer, now: now)
            return
        }
        noteConfigRequest(request.network, from: peer.address, now: now)
        controller.handleConfigRequest(
            node: self, network: request.network, from: peer.identity, metadata: request.metadata,
            requestPacketID: packetID, now: now)
    }

    /// Sends a member its config, signed by this node (the controller), as OK to `requestPacketID` or, with 0, as
    /// an unsolicited NETWORK_CONFIG push.
    public func sendNetworkConfig(_ config: NetworkConfig, to member: Address, requestPacketID: UInt64, now: Int64) {
        let chunks = member == address ? [] : (try? signedChunks(config)) ?? []
        guard member == address || !chunks.isEmpty else { return }
        sendNetworkConfig(config, chunks: chunks, to: member, requestPacketID: requestPacketID, now: now)
    }

    /// A config as the signed chunks that carry it (a controller may send the same chunks again).
    public func signedChunks(_ config: NetworkConfig) throws(CryptoError) -> [NetworkConfigChunk] {
        try NetworkConfigChunk.chunks(of: config.dictionary.encoded, network: config.network, updateID: random() | 1, signer: identity)
    }

    /// Sends a config already signed into `chunks`; to this node itself (a controller that joined its own
    /// network) the config is applied at once.
    public func sendNetworkConfig(
        _ config: NetworkConfig, chunks: [NetworkConfigChunk], to member: Address, requestPacketID: UInt64, now: Int64
    ) {
        if member == address {
            if let network = networks[config.network] { apply(config, bytes: config.dictionary.encoded, to: network, now: now) }
            return
        }
        for chunk in chunks {
            let message: Message =
                requestPacketID != 0
                ? .ok(InReplyTo(verb: .networkConfigRequest, packetID: requestPacketID), .networkConfig(chunk))
                : .networkConfig(chunk)
            send(message, toAddress: member, now: now, expectReply: requestPacketID == 0)
        }
    }

    public func sendNetworkConfigError(
        network: NetworkID, to member: Address, code: ErrorCode, requestPacketID: UInt64, now: Int64
    ) {
        if member == address {
            if let n = networks[network] {
                n.status = code == .networkAccessDenied ? .accessDenied : .notFound
                host.networkChanged(n.state)
            }
            return
        }
        let error = ErrorMessage(inReplyTo: InReplyTo(verb: .networkConfigRequest, packetID: requestPacketID), code: code, network: network)
        send(.error(error), toAddress: member, now: now)
    }

    /// Sends signed revocations (controller side: a member was deauthorized) to the given members.
    public func sendRevocations(_ revocations: [Revocation], to members: [Address], now: Int64) {
        let creds = NetworkCredentials(revocations: revocations)
        for m in members where m != address { send(.networkCredentials(creds), toAddress: m, now: now) }
        for r in revocations {
            networks[r.network]?.revoke(r.target, before: r.threshold)
        }
    }

}
