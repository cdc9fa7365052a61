extension Node {
    /// Members known to want `group` on `network` (recent LIKEs and gather results), ourselves excluded.
    func knownMembers(_ network: NetworkID, _ group: MulticastGroup, now: Int64) -> [Address] {
        multicastDirectory.members(network, group, now: now).filter { $0 != address }
    }

    /// Members a gather answer named, for a network we are in (answers for others are not kept: they could only
    /// fill the directory).
    func learnMembers(_ network: NetworkID, _ group: MulticastGroup, _ members: [Address], now: Int64) {
        guard networks[network] != nil else {
            drop(.notAMember)
            return
        }
        for m in members where m != address {
            if multicastDirectory.record(network, group, m, now: now) == .refused { drop(.tableFull) }
        }
        flushPendingMulticasts(network, group, now: now)
    }

    /// Sends a frame to up to `multicastLimit` members of its group, gathering more members if we know too few.
    func sendMulticast(_ frame: EthernetFrame, group: MulticastGroup, network: Network, now: Int64) {
        guard let config = network.config else { return }
        let limit = Int(min(config.multicastLimit, 4096))
        var members = knownMembers(network.id, group, now: now)
        shuffle(&members)
        let recipients = Array(members.prefix(limit))
        let message = MulticastFrame(network: network.id, group: group, etherType: frame.etherType, data: frame.payload)
        for member in recipients { sendMulticastFrame(message, to: member, network: network, now: now) }
        statistics.framesOut[network.id, default: 0] += 1
        if recipients.count < limit {
            if recipients.isEmpty || now - (network.lastGather[group] ?? 0) >= Timers.multicastGather {
                network.lastGather[group] = now
                gather(group, network: network, want: UInt32(limit - recipients.count + 1), now: now)
            }
            if network.pendingMulticasts.count >= 32 { network.pendingMulticasts.removeFirst() }
            network.pendingMulticasts.append((group, message, now, Set(recipients)))
        }
    }

    private func sendMulticastFrame(_ frame: MulticastFrame, to member: Address, network: Network, now: Int64) {
        if let peer = topology.peers[member] {
            pushCredentialsIfNeeded(network, to: peer, now: now)
            send(.multicastFrame(frame), to: peer, now: now)
        } else {
            send(.multicastFrame(frame), toAddress: member, now: now)
        }
    }

    /// Asks the root and the controller who is in a group.
    private func gather(_ group: MulticastGroup, network: Network, want: UInt32, now: Int64) {
        let request = Message.multicastGather(
            MulticastGather(network: network.id, group: group, gatherLimit: want, com: network.config?.com))
        var asked: Set<Address> = []
        if let root = topology.bestRoot(now), root.address != address {
            send(request, to: root, now: now, expectReply: true)
            asked.insert(root.address)
        }
        let controllerAddress = network.id.controller
        if controllerAddress != address, !asked.contains(controllerAddress) {
            send(request, toAddress: controllerAddress, now: now, expectReply: true)
        }
    }

    /// Newly learned members get the multicasts still waiting for them (5 s, up to the limit).
    func flushPendingMulticasts(_ id: NetworkID, _ group: MulticastGroup, now: Int64) {
        guard let network = networks[id], let config = network.config else { return }
        let limit = Int(min(config.multicastLimit, 4096))
        for i in network.pendingMulticasts.indices where network.pendingMulticasts[i].group == group {
            guard now - network.pendingMulticasts[i].queued <= 5_000 else { continue }
            for member in knownMembers(id, group, now: now) where !network.pendingMulticasts[i].sentTo.contains(member) {
                guard network.pendingMulticasts[i].sentTo.count < limit else { break }
                network.pendingMulticasts[i].sentTo.insert(member)
                sendMulticastFrame(network.pendingMulticasts[i].frame, to: member, network: network, now: now)
            }
        }
        network.pendingMulticasts.removeAll { now - $0.queued > 5_000 }
    }

    func receiveMulticastFrame(_ frame: MulticastFrame, from peer: Peer, packetID: UInt64, now: Int64) {
        guard let network = networks[frame.network], let config = network.config else { return }
        if let com = frame.com { receiveCredentials(NetworkCredentials(coms: [com]), from: peer, now: now) }
        guard network.gate(peer) else {
            refuseForCredentials(network, peer: peer, message: .multicastFrame(frame), packetID: packetID, now: now)
            return
        }
        guard config.multicastLimit > 0, frame.group.mac.isMulticast else {
            drop(.noRoute)
            return
        }
        let peerMAC = MAC(node: peer.address, network: network.id)
        let source = frame.source ?? peerMAC
        guard source == peerMAC else {
            drop(.spoofedSource)
            return
        }
        if let want = frame.gatherLimit, want > 0 {
            var members = knownMembers(network.id, frame.group, now: now).filter { $0 != peer.address }
            shuffle(&members)
            let results = GatherResults(totalKnown: UInt32(members.count), members: Array(members.prefix(Int(min(want, 64)))))
            send(.ok(InReplyTo(verb: .multicastFrame, packetID: packetID), .multicastFrame(MulticastFrameOK(network: network.id, group: frame.group, results: results))), to: peer, now: now)
        }
        let delivery = frame.data.withUnsafeBytes {
            deliverFromPeer(
                source: source, destination: frame.group.mac, etherType: frame.etherType, payload: $0, network: network,
                peer: peer, now: now)
        }
        if delivery == .awaitingOwnership {
            refuseForCredentials(network, peer: peer, message: .multicastFrame(frame), packetID: packetID, waitingFor: .ownership, now: now)
        }
    }

    /// Groups a peer wants. Recorded if it passes the network's gate, or we are a root, or we are that network's
    /// controller and it asked for a config recently.
    func receiveLike(_ like: MulticastLike, from peer: Peer, now: Int64) {
        for entry in like.entries {
            let accepted: Bool
            if let network = networks[entry.network], network.gate(peer) {
                accepted = true
            } else if isRoot {
                accepted = true
            } else if entry.network.controller == address {
                accepted = configRequesters.requestedRecently(entry.network, peer.address, now: now)
            } else {
                accepted = false
            }
            guard accepted else { continue }
            if multicastDirectory.record(entry.network, entry.group, peer.address, now: now) == .refused {
                drop(.tableFull)
                continue
            }
            flushPendingMulticasts(entry.network, entry.group, now: now)
        }
    }

    /// Who is in a group: answered if the asker passes the gate, or we are a root or the network's controller.
    func answerGather(_ gather: MulticastGather, from peer: Peer, packetID: UInt64, now: Int64) {
        if let com = gather.com, networks[gather.network] != nil {
            receiveCredentials(NetworkCredentials(coms: [com]), from: peer, now: now)
        }
        let allowed =
            isRoot || gather.network.controller == address || (networks[gather.network]?.gate(peer) ?? false)
        guard allowed else {
            drop(.notAMember)
            return
        }
        var members = knownMembers(gather.network, gather.group, now: now).filter { $0 != peer.address }
        if let network = networks[gather.network], network.announcedGroups.contains(gather.group) {
            members.insert(address, at: 0)
        }
        guard !members.isEmpty else { return }
        let head = members.first == address ? [address] : []
        var rest = Array(members.drop { $0 == address })
        shuffle(&rest)
        let chosen = Array((head + rest).prefix(Int(min(gather.gatherLimit, 64))))
        let ok = MulticastGatherOK(network: gather.network, group: gather.group, results: GatherResults(totalKnown: UInt32(members.count), members: chosen))
        send(.ok(InReplyTo(verb: .multicastGather, packetID: packetID), .multicastGather(ok)), to: peer, now: now)
    }

    /// LIKEs for all our groups: to the controller, the roots, and members that pass the gate.
    func announceMulticastGroups(_ network: Network, now: Int64) {
        guard network.config != nil else { return }
        network.lastAnnounce = now
        let entries = network.announcedGroups.sorted().map { MulticastLike.Entry(network: network.id, group: $0) }
        guard !entries.isEmpty else { return }
        var targets: Set<Address> = Set(topology.roots.keys)
        targets.insert(network.id.controller)
        for (member, _) in network.members {
            if let peer = topology.peers[member], network.gate(peer) { targets.insert(member) }
        }
        targets.remove(address)
        for target in targets.sorted() {
            // Split so that a LIKE stays well inside one packet.
            for start in stride(from: 0, to: entries.count, by: 400) {
                let like = Message.multicastLike(MulticastLike(entries: Array(entries[start..<min(entries.count, start + 400)])))
                if let peer = topology.peers[target] {
                    send(like, to: peer, now: now)
                } else if topology.isUpstream(target) || target == network.id.controller {
                    send(like, toAddress: target, now: now)
                }
            }
        }
    }

    func shuffle(_ array: inout [Address]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(random() % UInt64(i + 1))
            array.swapAt(i, j)
        }
    }
}
