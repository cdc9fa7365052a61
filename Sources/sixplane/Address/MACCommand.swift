import ArgumentParser
import SixplaneCore

struct MACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mac",
        abstract: "A member's Ethernet MAC on a network, or, given a MAC, the member it belongs to.")

    @OptionGroup var member: MemberArguments

    struct JSON: Encodable {
        var network, node, mac: String
    }

    func run() throws {
        let network = try member.networkID()
        let node: Address
        let mac: MAC
        if member.node.contains(":") && member.node.utf8.count == 17 {
            do { mac = try MAC(parsing: member.node) } catch { throw CLIError(error.message) }
            guard let owner = mac.node(on: network) else {
                throw CLIError("\(mac) is not a member MAC on network \(network) (first octet differs)")
            }
            node = owner
        } else {
            node = try member.nodeAddress()
            mac = MAC(node: node, network: network)
        }
        if member.json {
            try Output.json(JSON(network: network.description, node: node.description, mac: mac.description))
        } else {
            printTable([("node:", node.description), ("mac:", mac.description)])
        }
    }
}
