import SixplaneController
import SixplaneCore
import SixplaneDNS

/// The controller keeps the DNS directory of each network it controls that has a zone on this node: a walk of the
/// members when the zone appears or the network's address modes change, then every member change and config answer
/// as it happens, all on the controller's queue (the DNS server's answers never read the database).
extension ControllerService {
    /// Starts following members for `server`.
    func feed(_ server: DNSServer) {
        queue.async { [self] in
            controller.memberObserver = { [weak self, weak server] id, address, member in
                guard let self, let server, let network = self.directoryNetworks[id] else { return }
                let entry = member.flatMap { Self.entry($0, network) }
                server.update { r in
                    guard r.zones[id]?.members != nil, r.zones[id]?.members?.members[address] != entry else { return }
                    r.zones[id]?.members?.set(address, entry)
                    r.zones[id]?.serial &+= 1
                    if address == r.zones[id]?.node { r.zones[id]?.hostLabel = entry?.label }
                }
            }
            controller.networkObserver = { [weak self, weak server] id in
                guard let self, let server, let old = self.directoryNetworks[id] else { return }
                let now = try? self.controller.store.network(id)
                if now?.v6Assign6plane != old.v6Assign6plane || now?.v6AssignRFC4193 != old.v6AssignRFC4193 || now == nil {
                    self.loadDirectory(id, into: server)
                }
            }
        }
    }

    /// Fills the zone's directory from the store (on the queue); a network deleted from it gets none.
    func loadDirectory(_ id: NetworkID, into server: DNSServer) {
        queue.async { [self] in
            // Unreadable (the database away): what the zone has stays. Deleted: no directory rather than a stale one.
            let found: ControllerNetwork?
            do { found = try controller.store.network(id) } catch { return }
            guard let network = found else {
                directoryNetworks[id] = nil
                server.update { $0.zones[id]?.members = nil }
                return
            }
            var directory = MemberDirectory()
            var after: Address?
            while true {
                let page: [ControllerMember]
                do { page = try controller.store.members(id, after: after, limit: 1000) } catch { return }
                guard let last = page.last else { break }
                for m in page { directory.set(m.address, Self.entry(m, network)) }
                after = last.address
            }
            directoryNetworks[id] = network
            let node = controller.identity.address
            server.update { r in
                r.zones[id]?.members = directory
                r.zones[id]?.hostLabel = directory.members[node]?.label
                r.zones[id]?.serial &+= 1
            }
        }
    }

    /// A member as the zone holds it: authorized only, its 6PLANE and RFC4193 addresses when the network gives them,
    /// then what it was assigned.
    static func entry(_ m: ControllerMember, _ n: ControllerNetwork) -> MemberDirectory.Member? {
        guard m.authorized else { return nil }
        var ips: [IPAddress] = []
        if n.v6Assign6plane { ips.append(.v6(SixPlane(network: n.id, node: m.address).address)) }
        if n.v6AssignRFC4193 { ips.append(.v6(RFC4193(network: n.id, node: m.address).address)) }
        for ip in m.ipAssignments where !ips.contains(ip) { ips.append(ip) }
        return .init(address: m.address, label: DNSLabel.from(m.name), addresses: ips)
    }
}
