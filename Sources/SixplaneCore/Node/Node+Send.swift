extension Node {
    /// Sends a control message to a peer (suite by its version; compressed where ZeroTier compresses).
    @discardableResult
    func send(_ message: Message, to peer: Peer, now: Int64, expectReply: Bool = false) -> UInt64 {
        sendPacket(verb: message.verb, payload: message.payload, to: peer, now: now, expectReply: expectReply)
    }

    /// Sends to an address whose identity may not be known yet: queued behind a WHOIS if so.
    func send(_ message: Message, toAddress destination: Address, now: Int64, expectReply: Bool = false) {
        if let peer = topology.peers[destination] {
            send(message, to: peer, now: now, expectReply: expectReply)
            return
        }
        let evicted = whois.hold(
            .init(destination: destination, verb: message.verb, payload: message.payload, expectReply: expectReply, queued: now))
        if evicted { drop(.evicted) }
        requestWhois(destination, own: true, now: now)
    }

    /// Builds, armors and transmits one packet; returns its wire id (0 if it could not be sent).
    @discardableResult
    func sendPacket(
        verb: UInt8, payload: [UInt8], to peer: Peer, now: Int64, expectReply: Bool = false,
        via explicit: (InetAddress, Int)? = nil
    ) -> UInt64 {
        let compress: Bool
        switch Verb(rawValue: verb) {
        case .multicastLike, .networkCredentials, .networkConfigRequest, .networkConfig, .multicastFrame,
            .pushDirectPaths:
            compress = true
        case .ok:
            compress = payload.first == Verb.networkConfigRequest.rawValue
        default:
            compress = false
        }
        let isHello = verb == Verb.hello.rawValue
        let packet = PacketCodec.seal(
            id: random(), destination: peer.address, source: address, verb: verb, payload: payload,
            suite: isHello ? .poly1305None : peer.preferredSuite, keys: peer.keys, compress: compress,
            helloTail: isHello ? Hello.tailOffset(payload: payload) : nil)
        let wireID = UInt64(bigEndian: packet.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        guard transmit(packet, to: peer, now: now, via: explicit) else { return 0 }
        if expectReply {
            replies.expect(wireID, replies: verb == Verb.networkConfigRequest.rawValue ? ReplyTracker.configChunks : 1, now: now)
        }
        statistics.packetsOut[Int(verb & Packet.verbMask)] += 1
        return wireID
    }

    /// Sends an armored packet over the peer's best path, or through a root if it has none.
    @discardableResult
    func transmit(_ packet: [UInt8], to peer: Peer, now: Int64, via explicit: (InetAddress, Int)? = nil) -> Bool {
        packet.withUnsafeBytes { transmit($0, to: peer, now: now, via: explicit) }
    }

    @discardableResult
    func transmit(_ packet: UnsafeRawBufferPointer, to peer: Peer, now: Int64, via explicit: (InetAddress, Int)? = nil) -> Bool {
        if let (address, socket) = explicit {
            sendRaw(packet, to: address, localSocket: socket)
            if let i = peer.pathIndex(address, socket) { peer.paths[i].lastSend = now }
            peer.lastSend = now
            return true
        }
        if let path = peer.bestPath(now) {
            sendRaw(packet, to: path.address, localSocket: path.localSocket)
            if let i = peer.pathIndex(path.address, path.localSocket) { peer.paths[i].lastSend = now }
            peer.lastSend = now
            return true
        }
        if let root = topology.bestRoot(now, excluding: peer.address), let path = root.bestPath(now) {
            sendRaw(packet, to: path.address, localSocket: path.localSocket)
            peer.lastSend = now
            return true
        }
        drop(.noRoute)
        return false
    }

    /// Hands a packet's datagrams to the host, split evenly when it is larger than the physical MTU. While a burst of
    /// tap frames is handled they wait in `transmitBatch`, so that one host call sends all of those to one peer.
    func sendRaw(_ packet: [UInt8], to address: InetAddress, localSocket: Int, now: Int64) {
        packet.withUnsafeBytes { sendRaw($0, to: address, localSocket: localSocket) }
    }

    func sendRaw(_ packet: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int) {
        var appended = transmitBatch.append(packet, to: address, localSocket: localSocket)
        if appended == nil {
            flushTransmits()
            appended = transmitBatch.append(packet, to: address, localSocket: localSocket)
        }
        guard let written = appended else { return }  // cannot happen: an empty batch takes any packet
        statistics.datagramsOut += written.datagrams
        statistics.bytesOut += written.bytes
        if burstDepth == 0 { flushTransmits() }
    }

    /// A datagram forwarded as it came (a root relaying a packet or a fragment): never split again.
    func sendDatagram(_ datagram: [UInt8], to address: InetAddress, localSocket: Int) {
        flushTransmits()
        statistics.datagramsOut += 1
        statistics.bytesOut += datagram.count
        datagram.withUnsafeBytes { host.send(datagram: $0, to: address, localSocket: localSocket, ttl: nil) }
    }

    /// One burst of work (a socket read's datagrams, a tap read's frames): the datagrams it sends wait so that those
    /// to one peer go out in one host call, and the host may hold its tap writes to merge them; at its end both are
    /// flushed, the host told by `endOfBurst()`. Outside any burst each send and each delivery is its own burst.
    /// Bursts nest: only the outermost one ends.
    public func burst<T>(_ body: () throws -> T) rethrows -> T {
        burstDepth += 1
        defer {
            burstDepth -= 1
            if burstDepth == 0 {
                flushTransmits()
                host.endOfBurst()
            }
        }
        return try body()
    }

    /// A frame to the host's tap; ends the burst at once when there is none.
    func deliver(network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        host.deliver(network: network, source: source, destination: destination, etherType: etherType, payload: payload)
        if burstDepth == 0 { host.endOfBurst() }
    }

    func flushTransmits() {
        let host = self.host
        transmitBatch.flush { host.send(segments: $0, segmentSize: $1, to: $2, localSocket: $3) }
    }

    /// HELLO to a peer at a specific address (path probing, roots, rendezvous).
    @discardableResult
    func sendHello(to peer: Peer, address: InetAddress, localSocket: Int, now: Int64) -> UInt64 {
        if let i = peer.pathIndex(address, localSocket) {
            guard now - peer.paths[i].lastProbe >= Timers.helloProbe else { return 0 }
            peer.paths[i].lastProbe = now
        }
        let payload = helloPayload(to: address, now: now)
        let tail = Hello.tailOffset(payload: payload)
        let packet = PacketCodec.seal(
            id: random(), destination: peer.address, source: self.address, verb: Verb.hello.rawValue, payload: payload,
            suite: .poly1305None, keys: peer.keys, helloTail: tail)
        let wireID = UInt64(bigEndian: packet.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        sendRaw(packet, to: address, localSocket: localSocket, now: now)
        replies.expect(wireID, now: now)
        peer.lastHelloSent = now
        peer.lastSend = now
        if let i = peer.pathIndex(address, localSocket) { peer.paths[i].lastSend = now }
        statistics.packetsOut[Int(Verb.hello.rawValue)] += 1
        return wireID
    }

    /// Our HELLO's payload, addressed to `address` (`.none` when it goes through a relay).
    func helloPayload(to address: InetAddress, now: Int64) -> [UInt8] {
        let hello = Hello(
            timestamp: UInt64(bitPattern: now), identity: identity.publicOnly, destination: address,
            planetID: topology.planet.id, planetTimestamp: topology.planet.timestamp,
            moons: topology.moons.map { WorldReference(type: World.Kind.moon.rawValue, id: $0.id, timestamp: $0.timestamp) }
                + topology.moonSeeds.keys.sorted().map { WorldReference(type: World.Kind.moon.rawValue, id: $0, timestamp: 0) })
        var payload: [UInt8] = []
        hello.write(to: &payload)
        return payload
    }

    /// ECHO as a cheap keepalive and path check.
    func sendEcho(to peer: Peer, path: Path, now: Int64) {
        sendPacket(verb: Verb.echo.rawValue, payload: [], to: peer, now: now, expectReply: true, via: (path.address, path.localSocket))
    }
}
