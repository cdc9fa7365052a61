import ArgumentParser
import SixplaneCore
import SixplaneJSON

struct MemberCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member",
        abstract: "Administer the members of a network of the daemon's controller.",
        subcommands: [List.self, Authorize.self, Deauthorize.self, Set.self, Delete.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Members: address, authorized or not, assigned IPs, name.")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        func run() throws {
            // A page at a time by the cursor: the lines go out as pages come, so a million members never sit in memory at
            // once (`--json` prints one array, so it collects them).
            let call = try AdminCall(service)
            var after: String?
            var all: [JSON] = []
            repeat {
                let query = "sort=address&limit=1000" + (after.map { "&after=\($0)" } ?? "")
                let page = try call.callAPI("GET", .unstableControllerMembers(network), query: query)
                let members = page["data"]?.arrayValue ?? []
                if service.json {
                    all += members
                } else {
                    for m in members {
                        let ips = (m["ipAssignments"]?.arrayValue ?? []).compactMap(\.stringValue)
                        let state = m["authorized"]?.boolValue == true ? "authorized" : "unauthorized"
                        Output.line("\(m["address"]?.stringValue ?? "?") \(state) \(ips.isEmpty ? "-" : ips.joined(separator: ",")) \(m["name"]?.stringValue ?? "")")
                    }
                }
                after = page["meta"]?["next"]?.stringValue
            } while after != nil
            if service.json { Output.line(JSON.array(all).pretty(indent: " ")) }
        }
    }

    struct Authorize: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a node in (it may have asked already, or not yet).")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        @Argument(help: "The member's address (10 hex digits).") var member: Address
        func run() throws { try MemberCommand.update(service, network, member, ["authorized": true], done: "authorized") }
    }

    struct Deauthorize: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shut a node out; its certificate is revoked at once.")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        @Argument(help: "The member's address (10 hex digits).") var member: Address
        func run() throws { try MemberCommand.update(service, network, member, ["authorized": false], done: "deauthorized") }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a member: <key>=<value> pairs of the controller's JSON (e.g. name=web1 ipAssignments='[\"10.0.0.5\"]').")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        @Argument(help: "The member's address.") var member: Address
        @Argument(help: "<key>=<value> settings.") var settings: [String]
        func run() throws { try MemberCommand.update(service, network, member, try AdminCall.settings(settings), done: nil) }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a member.")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: NetworkID
        @Argument(help: "The member's address.") var member: Address
        func run() throws {
            let old = try AdminCall(service).callAPI("DELETE", .controllerMember(network, member))
            if service.json { Output.line(old.pretty(indent: " ")) } else { Output.line("deleted \(member) from \(network)") }
        }
    }

    static func update(_ service: ServiceOptions, _ network: NetworkID, _ member: Address, _ body: JSON, done: String?) throws {
        let m = try AdminCall(service).callAPI("POST", .controllerMember(network, member), body: body)
        if service.json || done == nil { Output.line(m.pretty(indent: " ")) } else { Output.line("\(done!) \(member) on \(network)") }
    }
}
