import ArgumentParser
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
        @Argument(help: "The network id.") var network: String
        func run() throws {
            let members = try AdminCall(service).callAPI("GET", "/unstable/controller/network/\(network)/member")["data"]?.arrayValue ?? []
            if service.json { return Output.line(JSON.array(members).pretty(indent: " ")) }
            for m in members.sorted(by: { ($0["address"]?.stringValue ?? "") < ($1["address"]?.stringValue ?? "") }) {
                let ips = (m["ipAssignments"]?.arrayValue ?? []).compactMap(\.stringValue)
                let state = m["authorized"]?.boolValue == true ? "authorized" : "unauthorized"
                Output.line("\(m["address"]?.stringValue ?? "?") \(state) \(ips.isEmpty ? "-" : ips.joined(separator: ",")) \(m["name"]?.stringValue ?? "")")
            }
        }
    }

    struct Authorize: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a node in (it may have asked already, or not yet).")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: String
        @Argument(help: "The member's address (10 hex digits).") var member: String
        func run() throws { try MemberCommand.update(service, network, member, ["authorized": true], done: "authorized") }
    }

    struct Deauthorize: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shut a node out; its certificate is revoked at once.")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: String
        @Argument(help: "The member's address (10 hex digits).") var member: String
        func run() throws { try MemberCommand.update(service, network, member, ["authorized": false], done: "deauthorized") }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a member: <key>=<value> pairs of the controller's JSON (e.g. name=web1 ipAssignments='[\"10.0.0.5\"]').")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: String
        @Argument(help: "The member's address.") var member: String
        @Argument(help: "<key>=<value> settings.") var settings: [String]
        func run() throws { try MemberCommand.update(service, network, member, try AdminCall.settings(settings), done: nil) }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a member.")
        @OptionGroup var service: ServiceOptions
        @Argument(help: "The network id.") var network: String
        @Argument(help: "The member's address.") var member: String
        func run() throws {
            let old = try AdminCall(service).callAPI("DELETE", "/controller/network/\(network)/member/\(member)")
            if service.json { Output.line(old.pretty(indent: " ")) } else { Output.line("deleted \(member) from \(network)") }
        }
    }

    static func update(_ service: ServiceOptions, _ network: String, _ member: String, _ body: JSON, done: String?) throws {
        let m = try AdminCall(service).callAPI("POST", "/controller/network/\(network)/member/\(member)", body: body)
        if service.json || done == nil { Output.line(m.pretty(indent: " ")) } else { Output.line("\(done!) \(member) on \(network)") }
    }
}
