import ArgumentParser
import Foundation
import SixplaneAPI
import SixplaneCore

// zerotier-cli's commands as `sixplane` subcommands; each reaches its daemon through --home (port and token there).

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "The node's address, version and state.", aliases: ["status"])
    @OptionGroup var service: ServiceOptions
    func run() throws { try service.run(.info) }
}

struct ListNetworksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "listnetworks", abstract: "Joined networks, their taps and addresses.")
    @OptionGroup var service: ServiceOptions
    func run() throws { try service.run(.listnetworks) }
}

struct ListPeersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "listpeers", abstract: "Known peers, one line each.")
    @OptionGroup var service: ServiceOptions
    func run() throws { try service.run(.listpeers) }
}

struct PeersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "peers", abstract: "Known peers as a table (direct or relayed).")
    @OptionGroup var service: ServiceOptions
    func run() throws { try service.run(.peers) }
}

struct DNSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns", abstract: "What this node answers for by name on each network, and what it applied to the host's resolver.")
    @OptionGroup var service: ServiceOptions
    func run() throws { try service.run(.dns) }
}

struct JoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "join", abstract: "Join a network (16 hex digits).")
    @OptionGroup var service: ServiceOptions
    @Argument(help: "The network id.") var network: String
    func run() throws { try service.run(.join, [network]) }
}

struct LeaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "leave", abstract: "Leave a network; its tap is removed.")
    @OptionGroup var service: ServiceOptions
    @Argument(help: "The network id.") var network: String
    func run() throws { try service.run(.leave, [network]) }
}

struct SetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set allowManaged, allowGlobal, allowDefault or allowDNS for a network (<key>=<0|1>).")
    @OptionGroup var service: ServiceOptions
    @Argument(help: "The network id.") var network: String
    @Argument(help: "<setting>=<value>") var setting: String
    func run() throws { try service.run(.set, [network, setting]) }
}

struct GetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Print one field of a joined network (or ip, ip4, ip6, ip6plane, ip6prefix).")
    @OptionGroup var service: ServiceOptions
    @Argument(help: "The network id.") var network: String
    @Argument(help: "The field.") var field: String
    func run() throws { try service.run(.get, [network, field]) }
}

struct ListMoonsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "listmoons", abstract: "Orbited moons (JSON).")
    @OptionGroup var service: ServiceOptions
    func run() throws { try service.run(.listmoons) }
}

struct OrbitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orbit", abstract: "Orbit a moon: ask its seed root for it (or load it from --world).")
    @OptionGroup var service: ServiceOptions
    @Argument(help: "The moon's world id (hex).") var world: String
    @Argument(help: "The address of one of its roots (hex).") var seed: String?
    @Option(name: .customLong("world-file"), help: "The moon file (from `sixplane mkworld --moon`) to load instead of asking a seed.")
    var worldFile: String?

    func validate() throws {
        if seed == nil && worldFile == nil { throw ValidationError("give the seed's address or --world-file") }
    }

    func run() throws {
        if let seed { return try service.run(.orbit, [world, seed]) }
        guard let worldFile, let bytes = FileManager.default.contents(atPath: worldFile) else {
            throw CLIError("cannot read \(worldFile ?? "")")
        }
        let client = try service.client()
        guard let id = ServiceCLI.worldID(world) else { throw ValidationError("the world id is 1 to 16 hex digits") }
        let r = try CLIError.wrap { try client.post(.moon(id), json: "{\"world\":\"\(Hex.encode(Array(bytes)))\"}") }
        let code = ServiceCLI(client: client, json: service.json).finish(r, "orbit")
        if code != 0 { throw ExitCode(code) }
    }
}

struct DeorbitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deorbit", abstract: "Stop orbiting a moon.")
    @OptionGroup var service: ServiceOptions
    @Argument(help: "The moon's world id (hex).") var world: String
    func run() throws { try service.run(.deorbit, [world]) }
}
