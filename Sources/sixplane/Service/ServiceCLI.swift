import Foundation
import SixplaneAPI
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON

/// zerotier-cli's commands, each named once.
enum ServiceCommand: String, CaseIterable, Sendable {
    case info, status, listnetworks, dns, listpeers, peers, join, leave, set, get, listmoons, orbit, deorbit
}

/// zerotier-cli's commands over a daemon's local API, with its output formats (protocol-network.md §9.3); used by
/// `sixplane <command>` and by the `zerotier-cli` personality.
struct ServiceCLI {
    var client: ServiceClient
    var json: Bool
    var now: Int64 = Int64(Date().timeIntervalSince1970 * 1000)

    /// Runs one command as zerotier-cli spells it (a name, or `/<path>` for a raw GET) and returns its exit status
    /// (0 ok, 1 failed, 2 bad arguments), as zerotier-cli does.
    func run(_ text: String, _ args: [String]) -> Int32 {
        if text.hasPrefix("/") {
            return attempt {
                let r = try client.get(text)
                Output.raw(r.body.hasSuffix("\n") ? r.body : r.body + "\n")
                return r.status == 200 ? 0 : 1
            }
        }
        guard let command = ServiceCommand(rawValue: text) else {
            Output.error("unknown command: \(text)")
            return 2
        }
        return run(command, args)
    }

    func run(_ command: ServiceCommand, _ args: [String]) -> Int32 {
        attempt { try dispatch(command, args) }
    }

    private func attempt(_ body: () throws -> Int32) -> Int32 {
        do {
            return try body()
        } catch {
            Output.line("Error connecting to the Sixplane daemon: \(error)")
            return 1
        }
    }

    private func dispatch(_ command: ServiceCommand, _ args: [String]) throws -> Int32 {
        let name = command.rawValue
        switch command {
        case .info, .status:
            return try getJSON(.status, name) { s in
                let state = s["tcpFallbackActive"]?.boolValue == true ? "TUNNELED" : s["online"]?.boolValue == true ? "ONLINE" : "OFFLINE"
                Output.line("200 info \(s["address"]?.stringValue ?? "-") \(s["version"]?.stringValue ?? "-") \(state)")
            }
        case .listnetworks:
            return try getJSON(.networks, name) { list in
                Output.line("200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>")
                for n in list.arrayValue ?? [] where n.objectValue != nil {
                    let ips = (n["assignedAddresses"]?.arrayValue ?? []).compactMap(\.stringValue)
                    let fields = ["nwid", "name", "mac", "status", "type", "portDeviceName"].map { n[$0]?.stringValue ?? "-" }
                    Output.line("200 listnetworks " + fields.joined(separator: " ") + " " + (ips.isEmpty ? "-" : ips.joined(separator: ",")))
                }
            }
        case .dns:
            return try getJSON(.dns, name) { d in Output.raw(Self.dnsText(d)) }
        case .listpeers:
            return try getJSON(.peers, name) { list in
                Output.line("200 listpeers <ztaddr> <path> <latency> <version> <role>")
                for p in list.arrayValue ?? [] {
                    let path = preferredPath(p).map { "\($0.address);\($0.sinceSend);\($0.sinceReceive)" } ?? "-"
                    Output.line("200 listpeers \(p["address"]?.stringValue ?? "-") \(path) \(p["latency"]?.intValue ?? 0) \(version(p)) \(p["role"]?.stringValue ?? "-")")
                }
            }
        case .peers:
            return try getJSON(.peers, name) { list in
                Output.line("200 peers\n<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>")
                var anyTunneled = false
                for p in list.arrayValue ?? [] {
                    let tunneled = p["tunneled"]?.boolValue == true
                    anyTunneled = anyTunneled || tunneled
                    var link = "RELAY"
                    if let best = preferredPath(p) {
                        link = (tunneled ? "RELAY " : "DIRECT   ") + pad(String(best.sinceSend), 8) + " " + pad(String(best.sinceReceive), 8) + " " + best.address
                    }
                    let latency = String(p["latency"]?.intValue ?? 0)
                    Output.line(
                        "\(p["address"]?.stringValue ?? "-") \(pad(version(p), 6)) \(pad(p["role"]?.stringValue ?? "-", 6)) "
                            + String(repeating: " ", count: max(0, 5 - latency.count)) + latency + " " + link)
                }
                if anyTunneled { Output.line("NOTE: Currently tunneling through a TCP relay. Ensure that UDP is not blocked.") }
            }
        case .join, .leave:
            guard args.count == 1, let id = try? NetworkID(hex: args[0]) else {
                Output.line("invalid network id")
                return 2
            }
            return finish(command == .join ? try client.post(.network(id)) : try client.delete(.network(id)), name)
        case .set:
            return try set(args)
        case .get:
            return try get(args)
        case .listmoons:
            return try getJSON(.moons, name, alwaysJSON: true) { _ in }
        case .orbit:
            guard args.count == 2, let id = Self.worldID(args[0]), let seed = try? Address(hex: args[1]) else {
                Output.line("usage: orbit <world id> <seed address> (both hex)")
                return 2
            }
            return finish(try client.post(.moon(id), json: "{\"seed\":\"\(seed)\"}"), name)
        case .deorbit:
            guard args.count == 1, let id = Self.worldID(args[0]) else {
                Output.line("usage: deorbit <world id> (hex)")
                return 2
            }
            return finish(try client.delete(.moon(id)), name)
        }
    }

    /// GET `route`; on 200 print its JSON (1-space indent) with `-j`, else call `text`.
    private func getJSON(_ route: APIRoute, _ command: String, alwaysJSON: Bool = false, text: (JSON) -> Void) throws -> Int32 {
        let r = try client.get(route)
        guard r.status == 200 else { return failed(r, command) }
        guard let value = JSON(parsing: r.body) else {
            Output.line("\(r.status) \(command) invalid JSON response")
            return 1
        }
        if json || alwaysJSON { Output.line(value.pretty(indent: " ")) } else { text(value) }
        return 0
    }

    /// A command's answer: the daemon's JSON with `-j`, else `200 <command> OK`; or the failure.
    func finish(_ r: ServiceClient.Reply, _ command: String) -> Int32 {
        guard r.status == 200 else { return failed(r, command) }
        if json { Output.raw(r.body) } else { Output.line("200 \(command) OK") }
        return 0
    }

    /// 1–16 hex digits, not zero.
    static func worldID(_ text: String) -> UInt64? {
        guard (1...16).contains(text.count), text.allSatisfy(\.isHexDigit), let id = UInt64(text, radix: 16), id != 0 else { return nil }
        return id
    }

    private func failed(_ r: ServiceClient.Reply, _ command: String) -> Int32 {
        Output.line("\(r.status) \(command) \(r.body.trimmingCharacters(in: .whitespacesAndNewlines))")
        return 1
    }

    private func set(_ args: [String]) throws -> Int32 {
        guard args.count == 2, let eq = args[1].firstIndex(of: "=") else {
            Output.error("usage: set <network> <setting>=<value>  (allowManaged, allowGlobal, allowDefault, allowDNS)")
            return 2
        }
        let key = String(args[1][..<eq]), value = args[1][args[1].index(after: eq)...]
        guard ["allowManaged", "allowGlobal", "allowDefault", "allowDNS"].contains(key) else { return 0 }
        let on = value.first.map { "1tT".contains($0) } ?? false
        guard let id = try? NetworkID(hex: args[0]) else {
            Output.line("invalid network id")
            return 2
        }
        let r = try client.post(.network(id), json: "{\"\(key)\":\(on)}")
        guard r.status == 200 else { return failed(r, "set") }
        Output.raw(r.body.hasSuffix("\n") ? r.body : r.body + "\n")
        return 0
    }

    private func get(_ args: [String]) throws -> Int32 {
        guard args.count == 2 else {
            Output.error("usage: get <network> <field>  (a field of the network's JSON, or ip, ip4, ip6, ip6plane, ip6prefix)")
            return 2
        }
        let r = try client.get(.networks)
        guard r.status == 200, let list = JSON(parsing: r.body)?.arrayValue else { return failed(r, "get") }
        guard let n = list.first(where: { $0["nwid"]?.stringValue == args[0] }) else {
            Output.line("404 get \(args[0]) not a member of this network")
            return 1
        }
        let addresses = (n["assignedAddresses"]?.arrayValue ?? []).compactMap(\.stringValue).map { String($0.split(separator: "/")[0]) }
        switch args[1] {
        case "ip": addresses.forEach(Output.line)
        case "ip4": addresses.filter { !$0.contains(":") }.forEach(Output.line)
        case "ip6": addresses.filter { $0.contains(":") }.forEach(Output.line)
        case "ip6plane": addresses.filter { $0.hasPrefix("fc") }.forEach(Output.line)
        case "ip6prefix":
            // The /80 as its five leading groups (`<prefix>::/80` is what dockerd takes). ZeroTier prints the
            // address's first 24 characters, which is the same text unless a group has a leading zero.
            for a in addresses where a.hasPrefix("fc") {
                guard case .v6(let ip) = try? IPAddress(parsing: a) else { continue }
                let groups = [ip.high >> 48, ip.high >> 32, ip.high >> 16, ip.high, ip.low >> 48].map { String($0 & 0xffff, radix: 16) }
                Output.line(groups.joined(separator: ":"))
            }
        default:
            switch n[args[1]] {
            case .string(let s): Output.line(s)
            case .bool(let b): Output.line(b ? "1" : "0")
            case .int(let i): Output.line(String(i))
            case .none: return 1
            case .some(let other): Output.line(other.text)
            }
        }
        return 0
    }

    private func preferredPath(_ peer: JSON) -> (address: String, sinceSend: Int64, sinceReceive: Int64)? {
        guard let p = peer["paths"]?.arrayValue?.first(where: { $0["preferred"]?.boolValue == true }) else { return nil }
        let send = p["lastSend"]?.intValue ?? 0, receive = p["lastReceive"]?.intValue ?? 0
        return (p["address"]?.stringValue ?? "-", send > 0 ? now - send : -1, receive > 0 ? now - receive : -1)
    }

    private func version(_ peer: JSON) -> String {
        guard let major = peer["versionMajor"]?.intValue, major >= 0 else { return "-" }
        return "\(major).\(peer["versionMinor"]?.intValue ?? 0).\(peer["versionRev"]?.intValue ?? 0)"
    }

    private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
}
