import ArgumentParser
import SixplaneCore
import SixplaneJSON

struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Administer the networks of the daemon's controller.",
        subcommands: [Create.self, List.self, Show.self, Set.self, Delete.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a network on this daemon's controller (6PLANE on by default); prints its id.")
        @OptionGroup var service: ServiceOptions
        @Option(help: "The network's name.") var name = ""
        @Flag(name: .customLong("6plane"), inversion: .prefixedNo, help: "Give every member a 6PLANE /80 (fc + network bits + address).")
        var sixplane = true
        @Flag(help: "Also give every member an RFC4193 address (fd + network id + address).") var rfc4193 = false
        @Option(name: .customLong("ipv4-pool"), help: "Assign IPv4 addresses from this subnet, e.g. 10.147.17.0/24.")
        var ipv4Pool: String?
        @Flag(help: "Members need no authorization (a public network).") var `public` = false
        @Option(help: "The MTU of the network's taps.") var mtu: Int?

        func validate() throws {
            if let ipv4Pool { _ = try Self.pool(ipv4Pool) }
        }

        /// The subnet's first and last host addresses and the subnet itself.
        static func pool(_ text: String) throws -> (first: IPv4Address, last: IPv4Address, subnet: IPPrefix) {
            guard let prefix = try? IPPrefix(parsing: text), case .v4 = prefix.address, prefix.length <= 30,
                case .v4(let net) = prefix.network.address
            else { throw ValidationError("--ipv4-pool must be an IPv4 subnet of /30 or larger, e.g. 10.147.17.0/24") }
            let hosts = UInt32(1) << UInt32(32 - prefix.length)
            return (IPv4Address(rawValue: net.rawValue + 1), IPv4Address(rawValue: net.rawValue + hosts - 2), prefix.network)
        }

        func run() throws {
            let call = try AdminCall(service)
            var body: [String: JSON] = [
                "name": .string(name), "private": .bool(!`public`),
                "v6AssignMode": ["6plane": .bool(sixplane), "rfc4193": .bool(rfc4193), "zt": false],
            ]
            if let mtu { body["mtu"] = .int(Int64(mtu)) }
            if let ipv4Pool {
                let pool = try Self.pool(ipv4Pool)
                body["v4AssignMode"] = ["zt": true]
                body["ipAssignmentPools"] = [["ipRangeStart": .string(pool.first.description), "ipRangeEnd": .string(pool.last.description)]]
                body["routes"] = [["target": .string(pool.subnet.description), "via": .null]]
            }
            guard let text = try call.callAPI("GET", .status)["address"]?.stringValue, let address = try? Address(hex: text) else {
                throw CLIError("the daemon did not say its address")
            }
            let network = try call.callAPI("POST", .newControllerNetwork(address), body: .object(body))
            if service.json { Output.line(network.pretty(indent: " ")) } else { Output.line(network["id"]?.stringValue ?? "?") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The controller's networks: id, name, members (authorized/total).")
        @OptionGroup var service: ServiceOptions
        func run() throws {
            let call = try AdminCall(service)
            let ids = (try call.callAPI("GET", .controllerNetworks).arrayValue ?? []).compactMap(\.stringValue).compactMap { try? NetworkID(hex: $0) }
            var rows: [JSON] = []
            for id in ids {
                let n = try call.callAPI("GET", .controllerNetwork(id))
                let members = try call.callAPI("GET", .unstableControllerMembers(id), query: "limit=1")
                rows.append([
                    "id": .string(id.description), "name": n["name"] ?? "",
                    "authorizedMembers": members["meta"]?["authorizedCount"] ?? 0, "totalMembers": members["meta"]?["totalCount"] ?? 0,
                ])
            }
            if service.json { return Output.line(JSON.array(rows).pretty(indent: " ")) }
            for r in rows {
                Output.line("\(r["id"]?.stringValue ?? "") \(r["name"]?.stringValue ?? "") \(r["authorizedMembers"]?.intValue ?? 0)/\(r["totalMembers"]?.intValue ?? 0)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A network's configuration (JSON).")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        func run() throws { Output.line(try AdminCall(service).callAPI("GET", .controllerNetwork(network)).pretty(indent: " ")) }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a network: <key>=<value> pairs of the controller's JSON (e.g. name=lab private=false mtu=2800).")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        @Argument(help: "<key>=<value> settings.") var settings: [String]
        func run() throws {
            let body = try AdminCall.settings(settings)
            Output.line(try AdminCall(service).callAPI("POST", .controllerNetwork(network), body: body).pretty(indent: " "))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a network and its members.")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        func run() throws {
            let old = try AdminCall(service).callAPI("DELETE", .controllerNetwork(network))
            if service.json { Output.line(old.pretty(indent: " ")) } else { Output.line("deleted \(network)") }
        }
    }
}
