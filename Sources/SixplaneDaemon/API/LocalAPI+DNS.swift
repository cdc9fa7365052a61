import SixplaneCore
import SixplaneDNS
import SixplaneJSON

/// `GET /dns`: what this node serves on each network (its name, containers, the directory when it controls it),
/// what it has applied to the host's resolver, and what its DNS server has done.
extension LocalAPI {
    var dnsJSON: JSON {
        let server = daemon.dns?.server
        let responder = server?.responder ?? DNSResponder()
        let applied = daemon.resolver.applied
        let networks = Set(responder.zones.keys).union(applied.keys).sorted { $0.rawValue < $1.rawValue }
        let list: [JSON] = networks.map { id in
            var o: [String: JSON] = ["nwid": .string(id.description)]
            if let zone = responder.zones[id] {
                o["domain"] = .string(zone.domain.description)
                o["host"] = .string(zone.hostName.description)
                o["listening"] = .array(zone.ownAddresses.map { .string($0.description) })
                o["servers"] = .array(zone.servers.map { .string($0.description) })
                o["containers"] = .object(zone.containers.mapValues { .array($0.map { .string($0.description) }) })
                o["members"] = zone.members.map { .int(Int64($0.count)) } ?? .null
                o["serial"] = .int(Int64(zone.serial))
            }
            o["applied"] = applied[id].map { a in
                ["method": .string(daemon.resolver.method.rawValue), "path": .string(daemon.resolver.path), "interface": .string(a.tap),
                 "domain": .string(a.entry.domain), "servers": .array(a.entry.servers.map { .string($0.description) })]
            } ?? .null
            return .object(o)
        }
        let counters = server?.counters ?? DNSCounters()
        return [
            "networks": .array(list),
            "docker": daemon.dockerSocket.map { .string($0) } ?? .null,
            "counters": [
                "answers": .object(Dictionary(uniqueKeysWithValues: counters.answers.map { (DNSCounters.rcodeName($0.key), JSON.int(Int64($0.value))) })),
                "forwarded": .int(Int64(counters.forwarded)),
                "dropped": .object(Dictionary(uniqueKeysWithValues: counters.dropped.map { ($0.key.rawValue, JSON.int(Int64($0.value))) })),
            ],
        ]
    }
}
