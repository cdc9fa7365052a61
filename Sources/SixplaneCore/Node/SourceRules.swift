/// What a member may send us on a network: frames from, and claims about, only the addresses it owns. A member
/// owns its 6PLANE /80 and its RFC4193 address (both follow from its node address), the addresses its controller
/// certified to it (certificates of ownership), what lies behind a managed route whose gateway it owns, and the
/// link-local address of its own MAC (EUI-64, what kernels give a tap). Stricter than ZeroTier, which accepts any
/// source and any ARP or neighbor advertisement (its issues #990, #1123): there a member can take its neighbours'
/// traffic by answering for their addresses.
///
/// The rules, each with the drop it counts:
/// - IPv6 source: `::` (duplicate address detection) or owned, else `spoofedSource`; a link-local source must be
///   the member's own, else `spoofedLinkLocal`.
/// - Neighbor discovery (after any extension headers): a neighbor advertisement's target must be owned, and every
///   link-layer address option (in solicitations, advertisements, router messages, redirects) must be the
///   member's MAC, else `spoofedNeighbor`.
/// - ARP: the sender MAC must be the member's, and the sender IPv4 address 0 (a probe) or owned as IPv4 sources
///   are, else `spoofedARP`.
/// - IPv4 source (and ARP sender address): 0 or owned. On a network that assigns IPv4 an address must be
///   certified; a member that has shown no certificate of ownership yet is asked for its credentials and its frame
///   waits a few seconds, then counts `uncertifiedIPv4`. On a network that assigns no IPv4, any address but one
///   certified to another member is accepted.
enum SourceRules {
    enum Verdict: Equatable {
        case allowed
        case dropped(DropReason)
        /// The sender has shown no certificate of ownership on a network that assigns IPv4: ask, and wait.
        case awaitingOwnership
    }

    static func check(etherType: UInt16, payload p: UnsafeRawBufferPointer, sender: Address, network: Network) -> Verdict {
        switch etherType {
        case 0x86dd: return ipv6(p, sender: sender, network: network)
        case 0x0800:
            guard p.count >= 20 else { return .dropped(.spoofedSource) }
            return ipv4Claim(IPv4Address(raw: p, at: 12), sender: sender, network: network, spoof: .spoofedSource)
        case 0x0806: return arp(p, sender: sender, network: network)
        default: return .allowed
        }
    }

    // MARK: IPv6

    private static func ipv6(_ p: UnsafeRawBufferPointer, sender: Address, network: Network) -> Verdict {
        guard p.count >= 40 else { return .dropped(.spoofedSource) }
        let source = IPv6Address(raw: p, at: 8)
        if !(source.high == 0 && source.low == 0) {
            if isLinkLocal(source) {
                guard source == linkLocal(of: MAC(node: sender, network: network.id)) else { return .dropped(.spoofedLinkLocal) }
            } else if !owns(sender, .v6(source), network) {
                return .dropped(.spoofedSource)
            }
        }
        guard let icmp = icmpv6Offset(p) else { return .allowed }
        return neighborDiscovery(p, at: icmp, sender: sender, network: network)
    }

    /// Where the ICMPv6 message starts, past any extension headers (a bounded walk); nil if it is not ICMPv6, or is
    /// a later fragment (kernels drop fragmented neighbor discovery).
    static func icmpv6Offset(_ p: UnsafeRawBufferPointer) -> Int? {
        var next = p[6]
        var at = 40
        for _ in 0..<8 {
            switch next {
            case 58: return at
            case 0, 43, 60:  // hop-by-hop, routing, destination options: length in 8-byte units, not counting the first
                guard at + 2 <= p.count else { return nil }
                next = p[at]
                at += 8 + Int(p[at + 1]) * 8
            case 44:  // fragment: only the first carries the ICMPv6 header
                guard at + 8 <= p.count, p[at + 2] == 0, p[at + 3] & 0xf8 == 0 else { return nil }
                next = p[at]
                at += 8
            default: return nil
            }
        }
        return nil
    }

    private static func neighborDiscovery(_ p: UnsafeRawBufferPointer, at icmp: Int, sender: Address, network: Network) -> Verdict {
        guard icmp < p.count else { return .allowed }
        let type = p[icmp]
        // Router solicitation 133, advertisement 134, neighbor solicitation 135, advertisement 136, redirect 137.
        guard (133...137).contains(type) else { return .allowed }
        let optionsAt: Int
        switch type {
        case 133: optionsAt = icmp + 8
        case 134: optionsAt = icmp + 16
        case 135, 136: optionsAt = icmp + 24
        default: optionsAt = icmp + 40
        }
        guard optionsAt <= p.count else { return .dropped(.spoofedNeighbor) }
        if type == 136 {
            let target = IPv6Address(raw: p, at: icmp + 8)
            let owned = isLinkLocal(target)
                ? target == linkLocal(of: MAC(node: sender, network: network.id)) : owns(sender, .v6(target), network)
            guard owned else { return .dropped(.spoofedNeighbor) }
        }
        // Options: type, length in 8-byte units (0 is invalid), value. Source (1) and target (2) link-layer
        // addresses must be the sender's MAC.
        let mac = MAC(node: sender, network: network.id)
        var at = optionsAt
        while at + 2 <= p.count {
            let length = Int(p[at + 1]) * 8
            guard length > 0, at + length <= p.count else { return .dropped(.spoofedNeighbor) }
            if p[at] == 1 || p[at] == 2 {
                guard length >= 8, MAC(bytes: UnsafeRawBufferPointer(rebasing: p[(at + 2)..<(at + 8)])) == mac else {
                    return .dropped(.spoofedNeighbor)
                }
            }
            at += length
        }
        return .allowed
    }

    static func isLinkLocal(_ a: IPv6Address) -> Bool { a.high >> 54 == 0x3fa }

    static func linkLocal(of mac: MAC) -> IPv6Address { mac.linkLocalAddress }

    // MARK: IPv4 and ARP

    private static func arp(_ p: UnsafeRawBufferPointer, sender: Address, network: Network) -> Verdict {
        // Ethernet/IPv4 ARP only; others cannot touch IPv4 neighbour caches.
        guard p.count >= 28, p[0] == 0, p[1] == 1, p[2] == 0x08, p[3] == 0x00, p[4] == 6, p[5] == 4 else {
            return .allowed
        }
        guard MAC(bytes: UnsafeRawBufferPointer(rebasing: p[8..<14])) == MAC(node: sender, network: network.id) else {
            return .dropped(.spoofedARP)
        }
        return ipv4Claim(IPv4Address(raw: p, at: 14), sender: sender, network: network, spoof: .spoofedARP)
    }

    private static func ipv4Claim(_ a: IPv4Address, sender: Address, network: Network, spoof: DropReason) -> Verdict {
        if a.rawValue == 0 || owns(sender, .v4(a), network) { return .allowed }
        if assignsIPv4(network) {
            let certified = network.members[sender].map { !$0.ownership.isEmpty } ?? false
            return certified ? .dropped(spoof) : .awaitingOwnership
        }
        for (member, m) in network.members where member != sender {
            for coo in m.ownership.values where coo.owns(.v4(a)) { return .dropped(spoof) }
        }
        return .allowed
    }

    /// The network gives its members IPv4 addresses (ours among them), or routes IPv4 through members.
    static func assignsIPv4(_ network: Network) -> Bool {
        guard let config = network.config else { return false }
        func isV4(_ ip: IPAddress) -> Bool {
            if case .v4 = ip { return true }
            return false
        }
        return config.staticIPs.contains { isV4($0.address) } || config.routes.contains { $0.via != nil && isV4($0.target.address) }
    }

    // MARK: Ownership

    /// `sender` owns `ip` on `network`: its 6PLANE /80 or RFC4193 address, an address its certificates of
    /// ownership list, or one behind a managed route whose gateway it owns.
    static func owns(_ sender: Address, _ ip: IPAddress, _ network: Network) -> Bool {
        if case .v6(let a) = ip {
            if SixPlane.owner(of: a, in: network.id) == sender || RFC4193.owner(of: a, in: network.id) == sender { return true }
        }
        guard let membership = network.members[sender], !membership.ownership.isEmpty else { return false }
        for coo in membership.ownership.values where coo.owns(ip) { return true }
        for route in network.config?.routes ?? [] {
            guard let via = route.via, route.target.contains(ip) else { continue }
            for coo in membership.ownership.values where coo.owns(via) { return true }
        }
        return false
    }
}
