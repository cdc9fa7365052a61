import ArgumentParser

struct ControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Network controller tools.",
        subcommands: [ControllerImportCommand.self]
    )
}

/// Where a command finds the controller's database.
struct ControllerDatabaseOptions: ParsableArguments {
    @Option(help: "The node's home folder; the controller database is <home>/controller.db.")
    var home = ServiceOptions.defaultHome

    @Option(name: .customLong("controller-db"), help: "A postgresql:// URL to use instead of the SQLite file.")
    var controllerDB: String?
}
