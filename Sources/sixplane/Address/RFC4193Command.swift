import ArgumentParser
import SixplaneCore

struct RFC4193Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfc4193", abstract: "A member's RFC4193 address (/88 as assigned, its /128) and the network /88.")

    @OptionGroup var member: MemberArguments

    struct JSON: Encodable {
        var network, node, address, hostPrefix, networkPrefix: String
    }

    func run() throws {
        let ula = RFC4193(network: try member.networkID(), node: try member.nodeAddress())
        if member.json {
            try Output.json(
                JSON(
                    network: ula.network.description, node: ula.node.description,
                    address: ula.assignedAddress.description, hostPrefix: ula.hostPrefix.description,
                    networkPrefix: ula.networkPrefix.description))
        } else {
            printTable([
                ("address:", ula.assignedAddress.description),
                ("host /128:", ula.hostPrefix.description),
                ("network /88:", ula.networkPrefix.description),
            ])
        }
    }
}
