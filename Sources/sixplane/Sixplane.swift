import ArgumentParser

struct Sixplane: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixplane",
        abstract: "A ZeroTier-compatible virtual network node, controller and tools, built around 6PLANE.",
        version: Version.sixplane,
        subcommands: [Idtool.self, AddressCommand.self, ControllerCommand.self, Bench.self]
    )
}
