extension Node {
    /// A suite-0 HELLO: the one packet whose key comes from the identity inside it.
    func receiveHello(_ packet: [UInt8], from address: InetAddress, localSocket: Int, now: Int64) {
        let payload = Array(packet[Packet.payloadOffset...])
        guard let hello = try? Hello(payload: payload, decryptedTail: false) else {
            drop(.malformed)
            return
        }
        let source = Address(bytes: packet[Packet.sourceOffset..<Packet.flagsOffset])
        guard hello.protocolVersion >= Packet.minimumProtocolVersion, hello.identity.address == source else {
            drop(.malformed)
            return
        }
        let peer: Peer
        if let known = topology.peers[source] {
            guard known.identity == hello.identity else {
                // Someone else claims this address. Answer with a collision error only if they own the key they sent.
                guard identityGate.admit(address, now: now) == .admitted,
                    let keys = try? PeerKeys(local: identity, peer: hello.identity)
                else {
                    drop(.newIdentityRateLimited)
                    return
                }
                var check = packet
                guard (try? PacketArmor.dearmor(&check, keys: keys).get()) != nil else {
                    drop(.badMAC)
                    return
                }
                drop(.identityCollision)
                let id = UInt64(bigEndian: packet.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
                let error = Message.error(ErrorMessage(inReplyTo: InReplyTo(verb: .hello, packetID: id), code: .identityCollision))
                let reply = PacketCodec.seal(
                    id: random(), destination: source, source: self.address, verb: error.verb, payload: error.payload,
                    suite: .poly1305Salsa2012, keys: keys)
                sendRaw(reply, to: address, localSocket: localSocket, now: now)
                return
            }
            peer = known
        } else {
            guard let added = admitStranger(hello.identity, packet: packet, from: address, localSocket: localSocket, now: now)
            else { return }
            peer = added
        }
        var verified = packet
        guard case .success = PacketArmor.dearmor(&verified, keys: peer.keys) else {
            drop(.badMAC)
            return
        }
        statistics.packetsIn[Int(Verb.hello.rawValue)] += 1
        // The moon list is hidden with cryptField.
        if let tail = Hello.tailOffset(payload: payload) {
            PacketArmor.cryptField(&verified, keys: peer.keys, start: tail, length: verified.count - tail)
        }
        guard let full = try? Hello(payload: Array(verified[Packet.payloadOffset...])) else {
            drop(.malformed)
            return
        }
        let hops = packet[Packet.flagsOffset] & 0x07
        let id = UInt64(bigEndian: packet.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        received(from: peer, address: address, localSocket: localSocket, hops: hops, isOK: false, now: now)
        answerHello(full, from: peer, packetID: id, hops: hops, address: address, localSocket: localSocket, now: now)
    }

    /// A suite-0 HELLO from an identity we do not know: the prefix gate and the agreement budget, the MAC, the
    /// validation budget, then the validation (here, or by the host off the node's thread, in which case the HELLO
    /// is handled again when the verdict comes). Returns the peer if it is known now.
    private func admitStranger(
        _ stranger: Identity, packet: [UInt8], from address: InetAddress, localSocket: Int, now: Int64
    ) -> Peer? {
        // Its check is under way: the HELLO waits for the same verdict, at no further cost.
        if identityChecks.isChecking(stranger.address) {
            if identityChecks.start(stranger, for: .hello(packet: packet, from: address, localSocket: localSocket), now: now) == .refused {
                drop(.validationBudgetSpent)
            }
            return nil
        }
        switch identityGate.admit(address, now: now) {
        case .prefixBusy:
            drop(.newIdentityRateLimited)
            return nil
        case .agreementBudgetSpent:
            drop(.agreementBudgetSpent)
            return nil
        case .admitted:
            break
        }
        // The MAC before the (costly) identity validation.
        guard let keys = try? PeerKeys(local: identity, peer: stranger) else {
            drop(.invalidIdentity)
            return nil
        }
        var check = packet
        guard case .success = PacketArmor.dearmor(&check, keys: keys) else {
            drop(.badMAC)
            return nil
        }
        guard identityGate.admitValidation(now: now) else {
            drop(.validationBudgetSpent)
            return nil
        }
        return verify(stranger, keys: keys, for: .hello(packet: packet, from: address, localSocket: localSocket), now: now)
    }

    /// Replies OK(HELLO) over the path the HELLO came on, with world updates the sender lacks; then records the
    /// sender's version (so this first reply to a new peer goes out with suite 1, as 1.14.1 does).
    func answerHello(
        _ hello: Hello, from peer: Peer, packetID: UInt64, hops: UInt8, address: InetAddress, localSocket: Int, now: Int64
    ) {
        var updates: [UInt8] = []
        if hello.planetID == topology.planet.id, let theirs = hello.planetTimestamp, theirs < topology.planet.timestamp {
            updates += topology.planet.serialized
        }
        for wanted in hello.moons {
            if let moon = topology.moons.first(where: { $0.id == wanted.id }), wanted.timestamp < moon.timestamp {
                updates += moon.serialized
            }
        }
        let observed: InetAddress =
            hops == 0 ? (hello.protocolVersion < 5 ? Self.withoutPort(address) : address) : .none
        let ok = Message.ok(
            InReplyTo(verb: .hello, packetID: packetID),
            .hello(HelloOK(timestamp: hello.timestamp, observedAddress: observed, worldUpdates: updates)))
        sendPacket(verb: ok.verb, payload: ok.payload, to: peer, now: now, via: (address, localSocket))
        peer.setVersion(protocol: hello.protocolVersion, major: hello.major, minor: hello.minor, revision: hello.revision)
    }

    static func withoutPort(_ address: InetAddress) -> InetAddress {
        address.ip.map { InetAddress($0, port: 0) } ?? address
    }

    func receiveHelloOK(_ ok: HelloOK, from peer: Peer, hops: UInt8, address: InetAddress, now: Int64) {
        guard ok.protocolVersion >= Packet.minimumProtocolVersion else { return }
        if hops == 0 {
            let latency = Int(clamping: now - Int64(bitPattern: ok.timestamp))
            if latency >= 0 {
                peer.latency = latency
                if let i = peer.paths.firstIndex(where: { $0.address == address }) { peer.paths[i].latency = latency }
            }
            // A root takes reports of its address only from other roots: its peers are everyone.
            if let observed = ok.observedAddress, observed != .none, topology.isUpstream(peer.address) || !isRoot {
                selfAwareness.iam(
                    reporter: peer.address, reporterAddress: address, observed: observed,
                    trusted: topology.isUpstream(peer.address), now: now)
            }
        }
        peer.setVersion(protocol: ok.protocolVersion, major: ok.major, minor: ok.minor, revision: ok.revision)
        guard let updates = ok.worldUpdates, !updates.isEmpty, topology.isUpstream(peer.address) else { return }
        var r = ByteReader(updates, context: "world update")
        while !r.isAtEnd {
            guard let world = try? World(reading: &r) else { break }
            if topology.update(with: world, from: peer.address) {
                host.store(world.kind == .planet ? .planet : .moon(world.id), data: world.serialized)
                host.event(.worldUpdated(world.id, timestamp: world.timestamp))
            }
        }
    }

    /// "Reach this peer here": honored from upstreams only. Opens our NAT toward the address, then says HELLO a
    /// moment later (`DelayedHellos` says why); the path is learned when the answer comes back over it.
    func receiveRendezvous(_ r: Rendezvous, from peer: Peer, now: Int64) {
        guard topology.isUpstream(peer.address) else {
            drop(.notAnUpstream)
            return
        }
        guard isUsablePath(r.endpoint), r.peer != address else { return }
        let target = topology.peers[r.peer]
        if target?.hasAlivePath(at: r.endpoint, now) == true { return }
        var due = now
        if case .ipv4 = r.endpoint {
            var junk = [UInt8](repeating: 0, count: 4)
            let bits = random()
            for i in 0..<4 { junk[i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
            junk.withUnsafeBytes { host.send(datagram: $0, to: r.endpoint, localSocket: 0, ttl: 2) }
            due += Timers.natOpening
        }
        // The root introduces both sides at once, so the other side's identity is often still being looked up:
        // look it up and say HELLO once it is known, rather than dropping the introduction.
        if target == nil { requestWhois(r.peer, own: true, now: now) }
        let held = (due > now || target == nil) && delayedHellos.hold(r.peer, at: r.endpoint, due: due, expires: now + Timers.rendezvousLookup)
        if !held, let target { sendHello(to: target, address: r.endpoint, localSocket: 0, now: now) }
    }

    /// Addresses a peer says it can be reached at: each new one is tried with a HELLO.
    func receivePushDirectPaths(_ push: PushDirectPaths, from peer: Peer, now: Int64) {
        // Once 8 pushes came each within 30 s of the last, ignore more until a 30 s pause.
        if now - peer.lastPushDirectPathsReceived > 30_000 { peer.pushDirectPathsBurst = 0 }
        peer.lastPushDirectPathsReceived = now
        peer.pushDirectPathsBurst += 1
        guard peer.pushDirectPathsBurst <= 8 else {
            drop(.rateLimited)
            return
        }
        var tried = 0
        for p in push.paths where p.flags & PushDirectPaths.Path.flagForget == 0 {
            guard isUsablePath(p.address), peer.pathIndex(p.address, 0) == nil, tried < 8 else { continue }
            tried += 1
            sendHello(to: peer, address: p.address, localSocket: 0, now: now)
        }
    }

    /// Tells a peer we share a network with where it can reach us directly.
    func pushDirectPaths(to peer: Peer, now: Int64) {
        var addresses = localAddresses.filter(isUsablePath)
        for a in selfAwareness.addresses(now: now) where !addresses.contains(a) && isUsablePath(a) { addresses.append(a) }
        guard !addresses.isEmpty else { return }
        peer.lastPushDirectPathsSent = now
        send(.pushDirectPaths(PushDirectPaths(paths: addresses.prefix(16).map { PushDirectPaths.Path(address: $0) })), to: peer, now: now)
    }
}
