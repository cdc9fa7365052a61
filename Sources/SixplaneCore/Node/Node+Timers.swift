extension Node {
    /// Background work; returns when the node wants to be called again.
    ///
    /// Everything here walks its dictionaries in key order: dictionary order differs from run to run, and what a
    /// node sends (and the random bits it draws) must not, or simulations would not repeat for a seed.
    @discardableResult
    public func tick(now: Int64) -> Int64 {
        retryWhois(now: now)
        retryParkedFrames(now: now)
        reassembler.expire(now: now)
        identityChecks.expire(now: now)
        if now >= nextPingCheck {
            nextPingCheck = now + Timers.pingCheck
            pingRoots(now: now)
            contactMoonSeeds(now: now)
            pingPeers(now: now)
            housekeeping(now: now)
            refreshNetworks(now: now)
        }
        sendDelayedHellos(now: now)
        updateOnline(now: now)
        return min(nextPingCheck, now + Timers.gateRetry, delayedHellos.nextDue(now: now, recheck: 50) ?? .max)
    }

    private func sendDelayedHellos(now: Int64) {
        for entry in delayedHellos.takeDue(now: now, isKnown: { topology.peers[$0] != nil }) {
            guard let peer = topology.peers[entry.peer], !peer.hasAlivePath(at: entry.endpoint, now) else { continue }
            sendHello(to: peer, address: entry.endpoint, localSocket: 0, now: now)
        }
    }

    private func retryWhois(now: Int64) {
        let (due, abandoned) = whois.expire(now: now)
        for _ in 0..<abandoned { drop(.unknownPeer) }
        for target in due { requestWhois(target, own: whois.lookups[target]?.own ?? false, now: now) }
    }

    /// Roots: HELLO every 224 s on their paths, or every ping check to their listed endpoints while we have none.
    private func pingRoots(now: Int64) {
        for (rootAddress, endpoints) in topology.roots.sorted(by: { $0.key < $1.key }) where rootAddress != address {
            let identity = topology.rootIdentities[rootAddress]
            let peer = topology.peers[rootAddress] ?? identity.flatMap { adopt($0, now: now) }
            guard let peer else { continue }
            let live = peer.paths.filter { $0.isAlive(now) }
            if live.isEmpty {
                let v4 = endpoints.filter { if case .ipv4 = $0 { return true } else { return false } }
                let v6 = endpoints.filter { if case .ipv6 = $0 { return true } else { return false } }
                var rng = RandomSource(node: self)
                let picks = [v4.randomElement(using: &rng), v6.randomElement(using: &rng)].compactMap { $0 }
                for endpoint in picks {
                    sendHello(to: peer, address: endpoint, localSocket: 0, now: now)
                }
            } else if now - peer.lastHelloSent >= Timers.upstreamHello {
                for path in live { sendHello(to: peer, address: path.address, localSocket: path.localSocket, now: now) }
            } else {
                heartbeat(peer, now: now)
            }
        }
    }

    /// Seeds of moons we wait for: a HELLO (which lists the wanted moons) every ping check, directly if we have a
    /// path, else through a root; a WHOIS first if we do not know the seed.
    func contactMoonSeeds(now: Int64) {
        for seed in Set(topology.moonSeeds.values).sorted() where seed != address {
            guard let peer = topology.peers[seed] else {
                requestWhois(seed, own: true, now: now)
                continue
            }
            guard now - peer.lastHelloSent >= Timers.pingCheck else { continue }
            let live = peer.paths.filter { $0.isAlive(now) }
            if live.isEmpty {
                sendRelayedHello(to: peer, now: now)
            } else {
                for path in live { sendHello(to: peer, address: path.address, localSocket: path.localSocket, now: now) }
            }
        }
    }

    /// A HELLO through a root, for a peer we have no direct path to.
    private func sendRelayedHello(to peer: Peer, now: Int64) {
        sendPacket(verb: Verb.hello.rawValue, payload: helloPayload(to: .none, now: now), to: peer, now: now, expectReply: true)
        peer.lastHelloSent = now
    }

    /// Active peers: a HELLO on each path every 60 s, an ECHO on any path quiet for 14 s.
    private func pingPeers(now: Int64) {
        for peer in topology.peers.values.sorted(by: { $0.address < $1.address }) where !topology.isUpstream(peer.address) {
            guard now - peer.lastActivity < Timers.peerActivity else { continue }
            if now - peer.lastHelloSent >= Timers.peerPing {
                for path in peer.paths where !path.isExpired(now) {
                    sendHello(to: peer, address: path.address, localSocket: path.localSocket, now: now)
                }
                if peer.paths.isEmpty {
                    // No direct path yet: a HELLO through the root keeps the peer's version known.
                    sendRelayedHello(to: peer, now: now)
                }
            } else {
                heartbeat(peer, now: now)
            }
            sharePaths(with: peer, now: now)
        }
    }

    private func heartbeat(_ peer: Peer, now: Int64) {
        for path in peer.paths where path.isAlive(now) || !path.isExpired(now) {
            guard now - path.lastSend >= Timers.pathHeartbeat else { continue }
            if peer.protocolVersion >= 5 {
                sendEcho(to: peer, path: path, now: now)
            } else {
                sendHello(to: peer, address: path.address, localSocket: path.localSocket, now: now)
            }
        }
    }

    /// PUSH_DIRECT_PATHS to peers we share a trusted network with: every 120 s, or 15 s while only relayed.
    private func sharePaths(with peer: Peer, now: Int64) {
        guard now - peer.lastTrusted < Timers.trust else { return }
        let interval = peer.hasAlivePath(now) ? Timers.pushDirectPathsDirect : Timers.pushDirectPathsRelayed
        guard now - peer.lastPushDirectPathsSent >= interval else { return }
        pushDirectPaths(to: peer, now: now)
    }

    private func housekeeping(now: Int64) {
        for peer in topology.peers.values {
            peer.paths.removeAll { now - $0.lastReceive > Timers.pathExpiration * 2 }
        }
        for (a, peer) in topology.peers.sorted(by: { $0.key < $1.key }) where !topology.isUpstream(a) && now - peer.lastReceive > Timers.peerActivity {
            if now - peer.lastActivity > Timers.peerActivity { forget(peer) }
        }
        for network in networks.values { network.forgetStrangers(known: topology.peers, now: now) }
        multicastDirectory.expire(now: now)
        selfAwareness.expire(now: now)
        pathProber.expire(now: now)
        configRequesters.expire(now: now)
        topology.forgetIntroductions(olderThan: Timers.uniteInterval * 4, now: now)
    }

    /// Config requests (every 5 s until configured, then every 60 s) and multicast announcements (60 s).
    private func refreshNetworks(now: Int64) {
        for network in networks.values.sorted(by: { $0.id < $1.id }) {
            let interval = network.config == nil ? Timers.configRetry : Timers.configRefresh
            if now - network.lastConfigRequest >= interval { requestConfiguration(network, now: now) }
            if network.config != nil, now - network.lastAnnounce >= Timers.multicastAnnounce {
                announceMulticastGroups(network, now: now)
            }
        }
    }

    /// Online when an upstream was heard from lately, or when we are one: a root is what others come online
    /// through (1.14.1 says ONLINE on a root that is alone in its planet).
    private func updateOnline(now: Int64) {
        let online =
            isRoot || topology.roots.keys.contains { topology.peers[$0].map { now - $0.lastReceive < Timers.online } ?? false }
        if online != isOnline {
            isOnline = online
            host.event(online ? .online : .offline)
        }
    }
}

/// The node's random source as a `RandomNumberGenerator`.
struct RandomSource: RandomNumberGenerator {
    unowned let node: Node
    mutating func next() -> UInt64 { node.random() }
}
