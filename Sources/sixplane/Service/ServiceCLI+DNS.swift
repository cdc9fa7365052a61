import SixplaneJSON

extension ServiceCLI {
    /// `sixplane dns` as text: per network, the names served and the resolver settings applied; then the counters.
    static func dnsText(_ d: JSON) -> String {
        var out = ""
        let networks = d["networks"]?.arrayValue ?? []
        if networks.isEmpty { out += "no network with a DNS domain\n" }
        for n in networks {
            let id = n["nwid"]?.stringValue ?? "-"
            if let domain = n["domain"]?.stringValue {
                out += "\(id) \(domain): this host is \(n["host"]?.stringValue ?? "-")"
                if let members = n["members"]?.intValue { out += ", serving \(members) member(s) as the controller" }
                out += "\n  listening on \(Self.list(n["listening"])); servers \(Self.list(n["servers"]))\n"
                let containers = n["containers"]?.objectValue ?? [:]
                for name in containers.keys.sorted() {
                    out += "  \(name).\(n["host"]?.stringValue ?? "") \(Self.list(containers[name]))\n"
                }
            } else {
                out += "\(id): no DNS domain\n"
            }
            if let a = n["applied"], a.objectValue != nil {
                out += "  applied (\(a["method"]?.stringValue ?? "-") \(a["path"]?.stringValue ?? "")): search \(a["domain"]?.stringValue ?? "-"), "
                    + "nameservers \(Self.list(a["servers"])) on \(a["interface"]?.stringValue ?? "-")\n"
            } else {
                out += "  not applied to this host's resolver (allowDNS=0, or the network names no servers)\n"
            }
        }
        let c = d["counters"]
        let answers = (c?["answers"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.intValue ?? 0)" }
        let dropped = (c?["dropped"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.intValue ?? 0)" }
        out += "answers: \(answers.isEmpty ? "none" : answers.joined(separator: ", ")); forwarded \(c?["forwarded"]?.intValue ?? 0)"
        out += "; dropped: \(dropped.isEmpty ? "none" : dropped.joined(separator: ", "))\n"
        if let docker = d["docker"]?.stringValue { out += "containers from the Docker engine at \(docker)\n" }
        return out
    }

    private static func list(_ j: JSON?) -> String {
        let items = (j?.arrayValue ?? []).compactMap(\.stringValue)
        return items.isEmpty ? "-" : items.joined(separator: " ")
    }
}
