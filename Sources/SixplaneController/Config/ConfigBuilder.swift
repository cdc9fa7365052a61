import SixplaneCore

/// Builds a member's network config from the stored records, step by step as ZeroTier 1.14.1's controller does
/// (protocol-network.md §8.4, steps 7–15), including address assignment from pools.
enum ConfigBuilder {
    /// Picks pool addresses the member lacks (IPv6 `zt` pool, IPv4 pools), recording them in the member.
    static func assignAddresses(
        _ member: inout ControllerMember, network: ControllerNetwork, ipTaken: (IPAddress) throws(ControllerError) -> Bool,
        random: () -> UInt64
    ) throws(ControllerError) {
        member.ipAssignmentError = nil
        guard !member.noAutoAssignIps else { return }
        var exhausted: [String] = []
        defer {
            if !exhausted.isEmpty {
                member.ipAssignmentError = "no free address in the \(exhausted.joined(separator: " or ")) pools"
            }
        }
        let routes = network.routes
        func routed(_ ip: IPAddress, withoutVia: Bool) -> Int? {
            routes.filter { $0.target.contains(ip) && (!withoutVia || $0.via == nil) }.map(\.target.length).max()
        }
        let hasV6 = member.ipAssignments.contains { if case .v6 = $0 { routed($0, withoutVia: false) != nil } else { false } }
        let hasV4 = member.ipAssignments.contains { if case .v4 = $0 { routed($0, withoutVia: false) != nil } else { false } }
        if network.v6AssignZT, !hasV6 {
            var found = false
            defer { if !found && network.pools.contains(where: \.isV6) { exhausted.append("IPv6") } }
            pools: for pool in network.pools {
                guard case .v6(let s) = pool.start, case .v6(let e) = pool.end else { continue }
                for trial in 0..<1000 {
                    let candidate: IPv6Address
                    if trial == 0, e.low > s.low, e.low - s.low >= 0xff_ffff_ffff {
                        // The member's address fits in the pool's low 64 bits: use it (stable, readable).
                        candidate = IPv6Address(high: s.high, low: s.low &+ member.address.rawValue)
                    } else {
                        let h = e.high > s.high ? random() % (e.high - s.high) : 0
                        let l = e.low > s.low ? random() % (e.low - s.low) : 0
                        candidate = IPv6Address(high: s.high &+ h, low: s.low &+ l)
                    }
                    let ip = IPAddress.v6(candidate)
                    guard routed(ip, withoutVia: true) != nil, try !ipTaken(ip), !member.ipAssignments.contains(ip) else { continue }
                    member.ipAssignments.append(ip)
                    found = true
                    break pools
                }
            }
        }
        if network.v4AssignZT, !hasV4 {
            var found = false
            defer { if !found && network.pools.contains(where: { !$0.isV6 }) { exhausted.append("IPv4") } }
            pools: for pool in network.pools {
                guard case .v4(let s) = pool.start, case .v4(let e) = pool.end, s.rawValue != 0, e.rawValue >= s.rawValue else { continue }
                let length = e.rawValue - s.rawValue
                var counter = UInt32(truncatingIfNeeded: member.address.rawValue)
                var k = s.rawValue
                var trials = 0
                while k <= e.rawValue && trials < 1000 {
                    defer { k &+= 1; trials += 1 }
                    let ip = length > 0 ? s.rawValue &+ counter % length : s.rawValue
                    counter &+= 1
                    if ip & 0xff == 0xff { continue }
                    let address = IPAddress.v4(IPv4Address(rawValue: ip))
                    guard routed(address, withoutVia: false) != nil, try !ipTaken(address),
                        !member.ipAssignments.contains(address)
                    else { continue }
                    member.ipAssignments.append(address)
                    found = true
                    break pools
                }
            }
        }
    }

    /// The config for an authorized member (signed credentials included; the dictionary is signed on sending).
    static func build(
        network: ControllerNetwork, member: ControllerMember, identity: Identity, metadata: ConfigDictionary,
        activeBridges: [Address], signer: Identity, now: Int64
    ) throws(CryptoError) -> NetworkConfig {
        var c = NetworkConfig(network: network.id, timestamp: now, revision: UInt64(max(0, network.revision)), issuedTo: member.address)
        c.type = network.isPrivate ? 0 : 1
        c.credentialTimeMaxDelta = network.credentialTimeMaxDelta
        c.flags = network.enableBroadcast ? NetworkConfig.flagEnableBroadcast : 0
        c.name = network.name
        c.mtu = UInt64(network.mtu)
        c.multicastLimit = UInt64(max(0, network.multicastLimit))
        c.remoteTraceTarget = member.remoteTraceTarget ?? network.remoteTraceTarget ?? Address(truncating: 0)
        c.remoteTraceLevel = UInt64(max(0, member.remoteTraceTarget != nil ? member.remoteTraceLevel : network.remoteTraceLevel))
        c.specialists = activeBridges.map { $0.rawValue | NetworkConfig.specialistActiveBridge }

        // Rules: members too old for the rules engine get a plain ACCEPT.
        if (metadata.integer("revr") ?? 0) == 0 {
            c.rules = [.accept]
        } else {
            c.rules = network.rules.compactMap { try? RuleJSON.rule(from: $0) }
            for id in member.capabilities {
                guard let def = network.capabilities.first(where: { $0["id"]?.intValue == Int64(id) }) else { continue }
                let rules = (def["rules"]?.arrayValue ?? []).compactMap { try? RuleJSON.rule(from: $0) }
                c.capabilities.append(try Capability(network: network.id, timestamp: now, id: id, rules: rules).issued(to: member.address, by: signer))
            }
            var tags: [UInt32: UInt32] = [:]
            for t in network.tags {
                if let id = t["id"]?.intValue, let d = t["default"]?.intValue { tags[UInt32(truncatingIfNeeded: id)] = UInt32(truncatingIfNeeded: d) }
            }
            for (id, value) in member.tags { tags[id] = value }
            for (id, value) in tags.sorted(by: { $0.key < $1.key }) {
                c.tags.append(try Tag(network: network.id, timestamp: now, id: id, value: value, issuedTo: member.address).signed(by: signer))
            }
        }

        for r in network.routes {
            let via = r.via.flatMap { $0.bitWidth == r.target.address.bitWidth ? $0 : nil }
            c.routes.append(NetworkConfig.Route(target: r.target, via: via))
        }
        if !member.noAutoAssignIps {
            if network.v6AssignRFC4193 {
                c.staticIPs.append(RFC4193(network: network.id, node: member.address).assignedAddress)
                c.flags |= NetworkConfig.flagIPv6NDPEmulation
            }
            if network.v6Assign6plane {
                c.staticIPs.append(SixPlane(network: network.id, node: member.address).assignedAddress)
                c.flags |= NetworkConfig.flagIPv6NDPEmulation
            }
        }
        // Assigned addresses count only inside a route, with that route's prefix length.
        for ip in member.ipAssignments {
            guard let bits = network.routes.filter({ $0.target.contains(ip) }).map(\.target.length).max() else { continue }
            if let p = try? IPPrefix(ip, length: bits) { c.staticIPs.append(p) }
        }
        if let o = network.dns.objectValue {
            let servers = (o["servers"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { try? IPAddress(parsing: $0) } }
            c.dns = NetworkConfig.DNS(domain: o["domain"]?.stringValue ?? "", servers: servers)
        }
        if !c.staticIPs.isEmpty {
            let things = c.staticIPs.map { p -> CertificateOfOwnership.Thing in
                switch p.address {
                case .v4(let a): .ipv4(a)
                case .v6(let a): .ipv6(a)
                }
            }
            c.ownerships = [try CertificateOfOwnership(network: network.id, timestamp: now, id: 1, things: Array(things.prefix(16)), issuedTo: member.address).signed(by: signer)]
        }
        c.com = try CertificateOfMembership(timestamp: now, maxDelta: UInt64(c.credentialTimeMaxDelta), network: network.id, issuedTo: identity).signed(by: signer)
        return c
    }
}
