extension Node {
    // MARK: From the tap

    /// A burst of frames read from the tap of `network` at once: each as `receive(frame:)`, with the datagrams for one
    /// peer handed to the host together at the end (or when the next one goes elsewhere).
    public func receive(frames: some Sequence<EthernetFrame>, network id: NetworkID, now: Int64) {
        burst {
            for frame in frames { receive(frame: frame, network: id, now: now) }
        }
    }

    /// The host read a frame from the tap of `network`.
    public func receive(frame: EthernetFrame, network id: NetworkID, now: Int64) {
        guard let network = networks[id], let config = network.config else {
            drop(.noConfig)
            return
        }
        // Frames from MACs other than ours would be bridged traffic; Sixplane nodes are not bridges.
        guard frame.source == network.mac else {
            drop(.spoofedSource)
            return
        }
        if frame.destination.isMulticast {
            var group = MulticastGroup(mac: frame.destination)
            if frame.destination.isBroadcast {
                if frame.etherType == 0x0806, let target = Self.arpRequestTarget(frame.payload) {
                    group = .arp(target)
                } else if !config.broadcastEnabled {
                    drop(.noRoute)
                    return
                }
            } else if frame.etherType == 0x86dd, config.ndpEmulation,
                let answer = NDPEmulator.advertisement(
                    destination: frame.destination, source: frame.source, etherType: frame.etherType,
                    payload: frame.payload, network: id, node: address, staticIPs: config.staticIPs)
            {
                statistics.ndpEmulated += 1
                answer.payload.withUnsafeBytes {
                    deliver(network: id, source: answer.source, destination: answer.destination, etherType: answer.etherType, payload: $0)
                }
                return
            }
            guard config.multicastLimit > 0 else {
                drop(.noRoute)
                return
            }
            guard rulesAllow(config, frame, from: address, to: Address(truncating: 0), inbound: false) else { return }
            sendMulticast(frame, group: group, network: network, now: now)
            return
        }
        if frame.destination == network.mac {
            frame.payload.withUnsafeBytes {
                deliver(network: id, source: frame.source, destination: frame.destination, etherType: frame.etherType, payload: $0)
            }
            return
        }
        guard let member = frame.destination.node(on: id), member != address else {
            drop(.noRoute)
            return
        }
        // A deauthorized member is cut off both ways: its frames are refused (gate), and none are sent to it.
        if network.hasRevocations, network.members[member]?.isRevoked == true {
            drop(.revokedDestination)
            // If it has been authorized again, its new certificate postdates the revocation: ask for it, or we would
            // wait for it to send to us first.
            if let peer = topology.peers[member] { requestCredentials(network, from: peer, inReplyTo: InReplyTo(verb: .frame, packetID: 0), now: now) }
            return
        }
        guard rulesAllow(config, frame, from: address, to: member, inbound: false) else { return }
        statistics.framesOut[id, default: 0] += 1
        if let peer = topology.peers[member] {
            pushCredentialsIfNeeded(network, to: peer, now: now)
            frame.payload.withUnsafeBytes { sendFrame(network: id, etherType: frame.etherType, payload: $0, to: peer, now: now) }
        } else {
            send(.frame(Frame(network: id, etherType: frame.etherType, data: frame.payload)), toAddress: member, now: now)
        }
    }

    /// A FRAME built and armored in the node's scratch buffer: the same packet `send(.frame(…))` makes (FRAMEs are
    /// not compressed), without a message, a payload array or a packet array per frame.
    func sendFrame(network id: NetworkID, etherType: UInt16, payload: UnsafeRawBufferPointer, to peer: Peer, now: Int64) {
        let length = Packet.payloadOffset + 10 + payload.count
        guard length <= sealScratch.count else {
            drop(.oversize)
            return
        }
        let packetID = random(), destination = peer.address, source = address
        let suite = peer.preferredSuite, keys = peer.keys
        let sent = sealScratch.withUnsafeMutableBytes { scratch in
            let packet = UnsafeMutableRawBufferPointer(rebasing: scratch[..<length])
            PacketCodec.writeHeader(packet, id: packetID, destination: destination, source: source)
            if length > Packet.defaultPhysicalMTU { packet[Packet.flagsOffset] = Packet.flagFragmented }
            packet[Packet.verbOffset] = Verb.frame.rawValue
            packet.storeBytes(of: id.rawValue.bigEndian, toByteOffset: Packet.payloadOffset, as: UInt64.self)
            packet[Packet.payloadOffset + 8] = UInt8(etherType >> 8)
            packet[Packet.payloadOffset + 9] = UInt8(truncatingIfNeeded: etherType)
            UnsafeMutableRawBufferPointer(rebasing: packet[(Packet.payloadOffset + 10)...]).copyMemory(from: payload)
            PacketArmor.armor(packet, suite: suite, keys: keys)
            return transmit(UnsafeRawBufferPointer(packet), to: peer, now: now)
        }
        if sent { statistics.packetsOut[Int(Verb.frame.rawValue)] += 1 }
    }

    /// The target of an IPv4 ARP request (Ethernet/IPv4, opcode 1), which picks the multicast group.
    static func arpRequestTarget(_ p: [UInt8]) -> IPv4Address? {
        guard p.count >= 28, p[0] == 0, p[1] == 1, p[2] == 0x08, p[3] == 0x00, p[4] == 6, p[5] == 4, p[6] == 0,
            p[7] == 1
        else { return nil }
        return IPv4Address(bytes: p[24..<28])
    }

    func rulesAllow(_ config: NetworkConfig, _ frame: EthernetFrame, from: Address, to: Address, inbound: Bool) -> Bool {
        if config.rules.count == 1 && config.rules[0] == .accept { return true }
        let info = RulesEngine.FrameInfo(
            sourceAddress: from, destinationAddress: to, sourceMAC: frame.source, destinationMAC: frame.destination,
            etherType: frame.etherType, payload: frame.payload, inbound: inbound)
        switch RulesEngine.evaluate(config.rules, info).0 {
        case .accept: return true
        default:
            drop(.rulesDropped)
            return false
        }
    }

    // MARK: From the network

    /// A FRAME, decrypted in place in `packet` (nwid at 28, ethertype at 36, the frame from 38).
    func receiveFrame(_ packet: UnsafeMutableRawBufferPointer, from peer: Peer, packetID: UInt64, now: Int64) {
        guard packet.count >= Packet.payloadOffset + 10 else {
            drop(.malformed)
            return
        }
        let id = NetworkID(rawValue: UInt64(bigEndian: packet.loadUnaligned(fromByteOffset: Packet.payloadOffset, as: UInt64.self)))
        let etherType = UInt16(packet[Packet.payloadOffset + 8]) << 8 | UInt16(packet[Packet.payloadOffset + 9])
        let payload = UnsafeRawBufferPointer(rebasing: packet[(Packet.payloadOffset + 10)...])
        guard let network = networks[id] else {
            drop(.notAMember)
            return
        }
        guard network.gate(peer) else {
            let frame = Frame(network: id, etherType: etherType, data: Array(payload))
            refuseForCredentials(network, peer: peer, message: .frame(frame), packetID: packetID, now: now)
            return
        }
        let delivery = deliverFromPeer(
            source: MAC(node: peer.address, network: id), destination: network.mac, etherType: etherType,
            payload: payload, network: network, peer: peer, now: now)
        if delivery == .awaitingOwnership {
            let frame = Frame(network: id, etherType: etherType, data: Array(payload))
            refuseForCredentials(network, peer: peer, message: .frame(frame), packetID: packetID, waitingFor: .ownership, now: now)
        }
    }

    func receiveExtFrame(_ frame: ExtFrame, from peer: Peer, packetID: UInt64, now: Int64) {
        guard let network = networks[frame.network] else {
            drop(.notAMember)
            return
        }
        if let com = frame.com { receiveCredentials(NetworkCredentials(coms: [com]), from: peer, now: now) }
        guard network.gate(peer) else {
            refuseForCredentials(network, peer: peer, message: .extFrame(frame), packetID: packetID, now: now)
            return
        }
        // No bridging: the source must be the sender's own MAC, the destination ours (or multicast).
        guard frame.source == MAC(node: peer.address, network: network.id),
            frame.destination == network.mac || (frame.destination.isMulticast && (network.config?.multicastLimit ?? 0) > 0)
        else {
            drop(.spoofedSource)
            return
        }
        if frame.flags & ExtFrame.flagAckRequested != 0 {
            send(.ok(InReplyTo(verb: .extFrame, packetID: packetID), .extFrame(network.id)), to: peer, now: now)
        }
        let delivery = frame.data.withUnsafeBytes {
            deliverFromPeer(
                source: frame.source, destination: frame.destination, etherType: frame.etherType, payload: $0,
                network: network, peer: peer, now: now)
        }
        if delivery == .awaitingOwnership {
            refuseForCredentials(network, peer: peer, message: .extFrame(frame), packetID: packetID, waitingFor: .ownership, now: now)
        }
    }

    /// What became of a frame from a peer.
    enum Delivery {
        case delivered
        case dropped
        /// Its sender must show its certificate of ownership first: ask for it, and keep the frame a while.
        case awaitingOwnership
    }

    /// Checks the sender's addresses (`SourceRules`) and the rules, then writes the frame to our tap.
    @discardableResult
    func deliverFromPeer(
        source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer, network: Network,
        peer: Peer, now: Int64
    ) -> Delivery {
        guard let config = network.config else { return .dropped }
        peer.lastActivity = now
        peer.lastTrusted = now
        if configuration.strictSourceAddresses {
            switch SourceRules.check(etherType: etherType, payload: payload, sender: peer.address, network: network) {
            case .allowed: break
            case .dropped(let reason):
                drop(reason)
                return .dropped
            case .awaitingOwnership:
                drop(.uncertifiedIPv4)
                return .awaitingOwnership
            }
        }
        if !(config.rules.count == 1 && config.rules[0] == .accept) {
            let frame = EthernetFrame(destination: destination, source: source, etherType: etherType, payload: Array(payload))
            guard rulesAllow(config, frame, from: peer.address, to: address, inbound: true) else { return .dropped }
        }
        statistics.framesIn[network.id, default: 0] += 1
        deliver(network: network.id, source: source, destination: destination, etherType: etherType, payload: payload)
        return .delivered
    }

    /// A frame from a peer that has not shown a valid certificate: ask for it, and keep the frame a few seconds in
    /// case it arrives (as 1.14.1 does).
    func refuseForCredentials(
        _ network: Network, peer: Peer, message: Message, packetID: UInt64, waitingFor: ParkedFrames.Wait = .membership,
        now: Int64
    ) {
        if waitingFor == .membership { drop(.notAMember) }
        requestCredentials(network, from: peer, inReplyTo: InReplyTo(verb: Verb(rawValue: message.verb) ?? .frame, packetID: packetID), now: now)
        parkedFrames.park(message, packetID: packetID, peer: peer.address, waitingFor: waitingFor, now: now)
    }

    /// ERROR NEED_MEMBERSHIP_CERTIFICATE: the peer pushes its credentials when it gets this. At most once a second
    /// per peer and network, however many frames a peer without one sends.
    func requestCredentials(_ network: Network, from peer: Peer, inReplyTo: InReplyTo, now: Int64) {
        guard now - (network.members[peer.address]?.lastCredentialRequest ?? 0) >= 1000 else { return }
        network.members[peer.address, default: Membership()].lastCredentialRequest = now
        send(.error(ErrorMessage(inReplyTo: inReplyTo, code: .needMembershipCertificate, network: network.id)), to: peer, now: now)
    }

    /// Re-runs parked frames whose sender may have shown its certificate since; gives up after 5 s.
    func retryParkedFrames(now: Int64) {
        guard !parkedFrames.isEmpty else { return }
        for item in parkedFrames.due(now: now) {
            guard let peer = topology.peers[item.peer] else { continue }
            let network: NetworkID
            switch item.message {
            case .frame(let f): network = f.network
            case .extFrame(let f): network = f.network
            case .multicastFrame(let f): network = f.network
            default: continue
            }
            guard let n = networks[network] else { continue }
            let ready = n.gate(peer) && (item.waitingFor == .membership || n.members[peer.address]?.ownership.isEmpty == false)
            if ready {
                dispatch(item.message, from: peer, packetID: item.packetID, hops: 0, address: .none, localSocket: 0, now: now)
            } else {
                parkedFrames.again(item, now: now)
            }
        }
    }
}
