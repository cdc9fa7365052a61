import ArgumentParser
import SixplaneCore

struct SixPlaneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "6plane",
        abstract: "A member's 6PLANE /80 (for dockerd --fixed-cidr-v6), its own address and the network /40.")

    @OptionGroup var member: MemberArguments

    struct JSON: Encodable {
        var network, node, hostPrefix, address, networkPrefix: String
    }

    func run() throws {
        let plane = SixPlane(network: try member.networkID(), node: try member.nodeAddress())
        if member.json {
            try Output.json(
                JSON(
                    network: plane.network.description, node: plane.node.description,
                    hostPrefix: plane.hostPrefix.description, address: plane.assignedAddress.description,
                    networkPrefix: plane.networkPrefix.description))
        } else {
            printTable([
                ("host /80:", plane.hostPrefix.description),
                ("address:", plane.assignedAddress.description),
                ("network /40:", plane.networkPrefix.description),
            ])
        }
    }
}
