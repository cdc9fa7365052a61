import NIOCore
import NIOPosix
import SixplaneCore
import SixplaneDNS

/// The network's names: a zone per joined network whose config names a DNS domain, served on that network's own
/// addresses by a `DNSServer` on a thread of its own, made the first time a network has a domain.
extension DaemonNode {
    /// Makes the network's zone follow its config (or takes it away); on the loop.
    func updateDNS(_ id: NetworkID, config: NetworkConfig?) {
        let zone: DNSZone? = config.flatMap { config in
            guard let dns = config.dns, !dns.domain.isEmpty, let domain = try? DNSName(dns.domain), !domain.labels.isEmpty else { return nil }
            return DNSZone(network: id, domain: domain, node: identity.address, ownPrefixes: config.staticIPs, servers: dns.servers)
        }
        guard zone != nil || dns != nil else { return }
        let server = dns?.server ?? {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let made = DNSServer(loop: group.next())
            dns = (made, group)
            controllerService?.feed(made)
            if let dockerSocket { made.watchDocker(socketPath: dockerSocket) }
            if let podDataDir { made.watchPods(dataDir: podDataDir) }
            return made
        }()
        var addresses = Set<IPAddress>()
        var appeared = false
        server.update { r in
            if var next = zone, let old = r.zones[id] {
                // What the config does not say stays: the host's name, its containers, the controller's directory.
                (next.hostLabel, next.containers, next.members, next.serial) = (old.hostLabel, old.containers, old.members, old.serial &+ 1)
                next.setHosted(r.hosted)
                r.zones[id] = next
            } else {
                appeared = zone != nil
                r.zones[id] = zone
                r.zones[id]?.setHosted(r.hosted)
            }
            addresses = Set(r.zones.values.flatMap(\.ownAddresses))
        }
        _ = server.listen(on: addresses)
        // This node controls the network: the whole domain is its to answer.
        if appeared, id.controller == identity.address, let controllerService { controllerService.loadDirectory(id, into: server) }
    }

    /// With allowDNS=1 the host resolves the network's domain through its servers (or stops, without).
    func applyResolver(_ id: NetworkID, config: NetworkConfig, settings: LocalNetworkSettings) {
        guard let tap = taps[id] else { return }
        let entry = config.dns.flatMap { dns in
            settings.allowDNS && !dns.domain.isEmpty && !dns.servers.isEmpty ? ResolvConfBlock.Entry(domain: dns.domain, servers: dns.servers) : nil
        }
        resolver.set(id, tap: tap.name, entry)
    }
}
