import ArgumentParser
import SixplaneCore

struct AddressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "address",
        abstract: "Compute a member's 6PLANE, RFC4193 and MAC addresses on a network.",
        subcommands: [SixPlaneCommand.self, RFC4193Command.self, MACCommand.self]
    )
}

/// The arguments every `address` subcommand takes.
struct MemberArguments: ParsableArguments {
    @Argument(help: "The network id (16 hex digits).") var network: String
    @Argument(help: "The member: a 10-digit node address, or an identity file or literal identity.") var node: String
    @Flag(help: "Print a JSON object instead of text.") var json = false

    func networkID() throws -> NetworkID {
        do { return try NetworkID(hex: network) } catch { throw CLIError(error.message) }
    }

    func nodeAddress() throws -> Address {
        if node.utf8.count == 10, node.utf8.allSatisfy({ Hex.nibble($0) != nil }) {
            do { return try Address(hex: node) } catch { throw CLIError(error.message) }
        }
        return try IdentityArgument.load(node).address
    }
}

/// Aligned `label  value` lines.
func printTable(_ rows: [(String, String)]) {
    let width = rows.map(\.0.count).max() ?? 0
    for (label, value) in rows {
        Output.line(label + String(repeating: " ", count: width - label.count + 2) + value)
    }
}
