extension Node {
    /// A UDP datagram arrived on `localSocket` from `address`.
    public func receive(datagram: [UInt8], from address: InetAddress, localSocket: Int, now: Int64) {
        var copy = datagram
        copy.withUnsafeMutableBytes { receive(datagram: $0, from: address, localSocket: localSocket, now: now) }
    }

    /// A UDP datagram arrived, in a buffer the node may modify (packets are decrypted in place). The data path:
    /// a FRAME from a known peer is handled without copying or allocating.
    public func receive(datagram: UnsafeMutableRawBufferPointer, from address: InetAddress, localSocket: Int, now: Int64) {
        statistics.datagramsIn += 1
        statistics.bytesIn += datagram.count
        guard datagram.count <= Packet.maxLength else {
            drop(.oversize)
            return
        }
        if datagram.count > 16, datagram[13] == Fragmentation.indicator {
            receiveFragment(Array(datagram), from: address, localSocket: localSocket, now: now)
            return
        }
        guard datagram.count >= Packet.minimumLength else {
            // The 4-byte NAT openers and anything else too short to be a packet.
            drop(.tooShort)
            return
        }
        let destination = Address(raw: UnsafeRawBufferPointer(datagram), at: Packet.destinationOffset)
        guard destination == self.address else {
            relay(Array(datagram), destination: destination, from: address, localSocket: localSocket, now: now, isFragment: false)
            return
        }
        if datagram[Packet.flagsOffset] & Packet.flagFragmented != 0 {
            let outcome = reassembler.receiveHead(UnsafeRawBufferPointer(datagram), from: address, now: now) { assembled in
                handlePacket(assembled, from: address, localSocket: localSocket, now: now)
            }
            countReassembly(outcome)
            return
        }
        handlePacket(datagram, from: address, localSocket: localSocket, now: now)
    }

    private func receiveFragment(_ datagram: [UInt8], from address: InetAddress, localSocket: Int, now: Int64) {
        let destination = Address(bytes: datagram[Packet.destinationOffset..<Packet.sourceOffset])
        guard destination == self.address else {
            relay(datagram, destination: destination, from: address, localSocket: localSocket, now: now, isFragment: true)
            return
        }
        let outcome = datagram.withUnsafeBytes { raw in
            reassembler.receiveFragment(raw, from: address, now: now) { assembled in
                handlePacket(assembled, from: address, localSocket: localSocket, now: now)
            }
        }
        countReassembly(outcome)
    }

    private func countReassembly(_ outcome: Reassembler.Outcome) {
        switch outcome {
        case .dropped(.malformed): drop(.fragmentMalformed)
        case .dropped(.duplicate): drop(.fragmentDuplicate)
        case .dropped(.inconsistent): drop(.fragmentInconsistent)
        case .stored, .completed: break
        }
    }

    // MARK: Relaying

    /// Forwards a packet or fragment addressed to someone else, as roots do; ordinary nodes drop it.
    func relay(_ datagram: [UInt8], destination: Address, from address: InetAddress, localSocket: Int, now: Int64, isFragment: Bool) {
        guard isRoot else {
            drop(.notAnUpstream)
            return
        }
        let hopsOffset = isFragment ? 15 : Packet.flagsOffset
        let hops = datagram[hopsOffset] & 0x07
        guard hops < UInt8(Packet.relayMaxHops) else {
            drop(.hopLimit)
            return
        }
        var forwarded = datagram
        forwarded[hopsOffset] = (forwarded[hopsOffset] & 0xf8) | (hops + 1)
        if let peer = topology.peers[destination], let path = peer.bestPath(now), path.isAlive(now) {
            // Introductions first: they race the packets each side then sends to open its NAT.
            if !isFragment {
                let source = Address(bytes: datagram[Packet.sourceOffset..<Packet.flagsOffset])
                unite(source, destination, now: now)
            }
            statistics.relayed += 1
            sendDatagram(forwarded, to: path.address, localSocket: path.localSocket)
        } else if let root = topology.bestRoot(now, excluding: self.address), let path = root.bestPath(now),
            path.address != address
        {
            statistics.relayed += 1
            sendDatagram(forwarded, to: path.address, localSocket: path.localSocket)
        } else {
            drop(.noRoute)
        }
    }

    /// Introduces two peers we relay between to each other's direct addresses (RENDEZVOUS), at most every 30 s.
    /// The destination `b` hears first: it is the one that may not know the other yet, and ZeroTier nodes say
    /// HELLO the moment they are told, so the side that must look up an identity gets the head start.
    func unite(_ a: Address, _ b: Address, now: Int64) {
        guard let pa = topology.peers[a], let pb = topology.peers[b],
            let pathA = pa.bestPath(now), let pathB = pb.bestPath(now), pathA.isAlive(now), pathB.isAlive(now)
        else { return }
        guard topology.introduce(a, b, interval: Timers.uniteInterval, capacity: configuration.limits.introductions, now: now)
        else { return }
        send(.rendezvous(Rendezvous(peer: a, endpoint: pathA.address)), to: pb, now: now)
        send(.rendezvous(Rendezvous(peer: b, endpoint: pathB.address)), to: pa, now: now)
    }

    // MARK: Packets for us

    func handlePacket(_ packet: [UInt8], from address: InetAddress, localSocket: Int, now: Int64) {
        var copy = packet
        copy.withUnsafeMutableBytes { handlePacket($0, from: address, localSocket: localSocket, now: now) }
    }

    /// A whole packet for us, in a buffer that is decrypted in place.
    func handlePacket(_ packet: UnsafeMutableRawBufferPointer, from address: InetAddress, localSocket: Int, now: Int64) {
        let source = Address(raw: UnsafeRawBufferPointer(packet), at: Packet.sourceOffset)
        guard source != self.address else {
            drop(.fromSelf)
            return
        }
        let suite = CipherSuite(flags: packet[Packet.flagsOffset])
        if suite == .poly1305None, packet[Packet.verbOffset] & Packet.verbMask == Verb.hello.rawValue {
            receiveHello(Array(packet), from: address, localSocket: localSocket, now: now)
            return
        }
        guard let peer = topology.peers[source] else {
            // Held until the sender's identity is known (its WHOIS, or its own HELLO's check under way).
            guard identityChecks.isChecking(source) || requestWhois(source, own: false, now: now) else { return }
            let evicted = whois.hold(
                .init(packet: Array(packet), address: address, localSocket: localSocket, queued: now, sender: source))
            for _ in 0..<evicted { drop(.evicted) }
            return
        }
        let opened: PacketCodec.OpenedHeader
        switch PacketCodec.openInPlace(packet, keys: peer.keys) {
        case .success(let h): opened = h
        case .failure(.badMAC), .failure(.tooShort):
            drop(.badMAC)
            return
        case .failure(.unsupportedSuite):
            drop(.unsupportedSuite)
            return
        case .failure(.decompression):
            drop(.decompressionFailed)
            return
        }
        let hops = opened.hops, packetID = opened.packetID
        // The data path: an uncompressed FRAME is handled straight from the buffer, with no copy or allocation.
        if opened.verb == Verb.frame.rawValue && !opened.compressed {
            statistics.packetsIn[Int(Verb.frame.rawValue)] += 1
            received(from: peer, address: address, localSocket: localSocket, hops: hops, isOK: false, now: now)
            receiveFrame(packet, from: peer, packetID: packetID, now: now)
            return
        }
        guard case .success(let payload) = PacketCodec.payload(of: packet, opened) else {
            drop(.decompressionFailed)
            return
        }
        let verb = opened.verb
        statistics.packetsIn[Int(verb & Packet.verbMask)] += 1
        let message: Message
        do {
            message = try Message(verb: verb, payload: payload)
        } catch {
            drop(.malformed)
            return
        }
        let isOK: Bool
        if case .ok(let inRe, _) = message {
            guard replies.consume(inRe.packetID, now: now) else {
                drop(.unexpectedReply)
                return
            }
            isOK = true
        } else {
            isOK = false
        }
        received(from: peer, address: address, localSocket: localSocket, hops: hops, isOK: isOK, now: now)
        dispatch(message, from: peer, packetID: packetID, hops: hops, address: address, localSocket: localSocket, now: now)
    }

    /// Liveness and path learning for any authenticated packet.
    func received(from peer: Peer, address: InetAddress, localSocket: Int, hops: UInt8, isOK: Bool, now: Int64) {
        peer.lastReceive = now
        // Relayed packets say nothing about a direct path.
        guard hops == 0 else { return }
        if let i = peer.pathIndex(address, localSocket) {
            peer.paths[i].lastReceive = now
        } else if !isUsablePath(address) {
            return
        } else if isOK {
            if peer.learnPath(address, localSocket, now) { host.event(.pathLearned(peer.address, address)) }
        } else {
            // Confirm an unknown path before using it: a HELLO there, answered by an OK that comes back over it.
            // At most once a second per address, however many packets arrive on it.
            guard pathProber.shouldProbe(address, now: now) else { return }
            sendHello(to: peer, address: address, localSocket: localSocket, now: now)
        }
    }

    func dispatch(
        _ message: Message, from peer: Peer, packetID: UInt64, hops: UInt8, address: InetAddress, localSocket: Int,
        now: Int64
    ) {
        switch message {
        case .nop, .ack, .qosMeasurement, .pathNegotiationRequest, .remoteTrace, .userMessage, .opaque:
            break
        case .hello(let hello):
            // A HELLO armored with suite 1 or 3 by a known peer: already authenticated.
            answerHello(hello, from: peer, packetID: packetID, hops: hops, address: address, localSocket: localSocket, now: now)
        case .error(let error): receiveError(error, from: peer, now: now)
        case .ok(let inRe, let body): receiveOK(inRe, body, from: peer, hops: hops, address: address, now: now)
        case .whois(let whois): answerWhois(whois, from: peer, packetID: packetID, now: now)
        case .rendezvous(let r): receiveRendezvous(r, from: peer, now: now)
        case .frame(let frame):
            var bytes = [UInt8](repeating: 0, count: Packet.payloadOffset)
            frame.write(to: &bytes)
            bytes.withUnsafeMutableBytes { receiveFrame($0, from: peer, packetID: packetID, now: now) }
        case .extFrame(let frame): receiveExtFrame(frame, from: peer, packetID: packetID, now: now)
        case .echo(let payload):
            guard now - peer.lastEchoAnswered >= 166 else {
                drop(.rateLimited)
                return
            }
            peer.lastEchoAnswered = now
            send(.ok(InReplyTo(verb: .echo, packetID: packetID), .echo(payload)), to: peer, now: now)
        case .multicastLike(let like): receiveLike(like, from: peer, now: now)
        case .networkCredentials(let creds): receiveCredentials(creds, from: peer, now: now)
        case .networkConfigRequest(let request): receiveConfigRequest(request, from: peer, packetID: packetID, now: now)
        case .networkConfig(let chunk): receiveConfigChunk(chunk, from: peer, pushID: packetID, now: now)
        case .multicastGather(let gather): answerGather(gather, from: peer, packetID: packetID, now: now)
        case .multicastFrame(let frame): receiveMulticastFrame(frame, from: peer, packetID: packetID, now: now)
        case .pushDirectPaths(let push): receivePushDirectPaths(push, from: peer, now: now)
        }
    }

    func receiveOK(_ inRe: InReplyTo, _ body: Message.OKPayload, from peer: Peer, hops: UInt8, address: InetAddress, now: Int64) {
        switch body {
        case .hello(let ok): receiveHelloOK(ok, from: peer, hops: hops, address: address, now: now)
        case .whois(let ok):
            guard topology.isUpstream(peer.address) else {
                drop(.notAnUpstream)
                return
            }
            // Only identities we asked for: an upstream cannot fill our peer table with others.
            for id in ok.identities where whois.isLookingUp(id.address) { verify(id, for: .lookup, now: now) }
        case .networkConfig(let chunk): receiveConfigChunk(chunk, from: peer, pushID: nil, now: now)
        case .multicastGather(let ok): learnMembers(ok.network, ok.group, ok.results.members, now: now)
        case .multicastFrame(let ok):
            if let results = ok.results { learnMembers(ok.network, ok.group, results.members, now: now) }
        case .echo, .extFrame, .other:
            break
        }
    }

    func receiveError(_ error: ErrorMessage, from peer: Peer, now: Int64) {
        guard let code = error.errorCode else { return }
        switch code {
        case .objectNotFound, .unsupportedOperation, .networkAccessDenied, .networkAuthenticationRequired:
            guard error.inReplyTo.verb == Verb.networkConfigRequest.rawValue, let id = error.network,
                let network = networks[id], id.controller == peer.address
            else { return }
            let status: NetworkStatus =
                switch code {
                case .networkAccessDenied: .accessDenied
                case .networkAuthenticationRequired: .authenticationRequired
                default: .notFound
                }
            if network.status != status {
                network.status = status
                host.networkChanged(network.state)
                host.event(.networkStatus(id, status))
            }
        case .needMembershipCertificate:
            guard let id = error.network, let network = networks[id], network.config?.com != nil else { return }
            // At most once a second per peer and network.
            if now - (peer.credentialsPushed[id] ?? 0) >= 1000 { pushCredentials(network, to: peer, now: now) }
        case .identityCollision:
            if topology.isUpstream(peer.address) { host.event(.identityCollision) }
        case .unwantedMulticast:
            guard let id = error.network, let network = networks[id], network.gate(peer), error.detail.count >= 18 else { return }
            var r = ByteReader(Array(error.detail[8...]))
            if let group = try? MulticastGroup(reading: &r) { multicastDirectory.remove(id, group, peer.address) }
        default:
            break
        }
    }

    /// Whether a physical path may use this address: a usable one (not loopback, link-local, multicast…) that is not
    /// inside one of our own networks' subnets, which would tunnel a network through itself (ZeroTier's
    /// peerPathCheck). A Docker host's bridge carries its 6PLANE /80, so its own advertised addresses can be such.
    func isUsablePath(_ address: InetAddress) -> Bool {
        guard Path.isUsable(address), let ip = address.ip else { return false }
        for network in networks.values {
            for prefix in network.config?.staticIPs ?? [] where prefix.network.contains(ip) { return false }
        }
        return true
    }

    // MARK: WHOIS

    func answerWhois(_ whois: Whois, from peer: Peer, packetID: UInt64, now: Int64) {
        // Roots answer freely; others at most every 100 ms per peer.
        if !isRoot {
            guard now - peer.lastWhoisAnswered >= 100 else {
                drop(.rateLimited)
                return
            }
        }
        peer.lastWhoisAnswered = now
        let known = whois.addresses.compactMap { a -> Identity? in
            a == address ? identity.publicOnly : topology.peers[a]?.identity
        }
        if !known.isEmpty {
            send(.ok(InReplyTo(verb: .whois, packetID: packetID), .whois(WhoisOK(identities: Array(known.prefix(8))))), to: peer, now: now)
        } else if !isRoot {
            for a in whois.addresses.prefix(4) { requestWhois(a, own: false, now: now) }
        }
    }
}
