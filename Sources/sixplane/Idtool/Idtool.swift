import ArgumentParser

struct Idtool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idtool",
        abstract: "Generate, check and use ZeroTier-compatible identities.",
        discussion: """
            Identities are `address:0:public[:secret]` text, in files or given literally. Invoked through a link \
            named zerotier-idtool, `sixplane` accepts that tool's arguments and prints what it prints.
            """,
        subcommands: [Generate.self, Validate.self, GetPublic.self, Sign.self, Verify.self]
    )
}
