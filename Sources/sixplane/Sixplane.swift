import ArgumentParser

struct Sixplane: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sixplane",
        abstract: "A ZeroTier-compatible virtual network node, controller and tools, built around 6PLANE.",
        version: Version.sixplane,
        subcommands: [
            DaemonCommand.self, InfoCommand.self, ListNetworksCommand.self, ListPeersCommand.self, PeersCommand.self, DNSCommand.self,
            JoinCommand.self, LeaveCommand.self, SetCommand.self, GetCommand.self, ListMoonsCommand.self, OrbitCommand.self,
            DeorbitCommand.self, NetworkCommand.self, MemberCommand.self, MkworldCommand.self, DockerCommand.self, CNICommand.self, Idtool.self,
            AddressCommand.self, ControllerCommand.self, Bench.self,
        ]
    )
}
