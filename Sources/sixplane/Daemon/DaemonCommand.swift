import ArgumentParser
import Foundation
import Logging
import SixplaneDaemon

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the node: UDP, one tap per joined network, managed addresses, the local API and the controller.",
        discussion: """
            The home folder is laid out as ZeroTier One's (identity.secret, authtoken.secret, planet, moons.d/, \
            networks.d/, peers.d/, local.conf), so a ZeroTier home works as it is. Stops cleanly on SIGTERM or SIGINT.
            """
    )

    @Option(help: "The home folder (identity, token, joined networks, controller database).")
    var home = ServiceOptions.defaultHome

    @Option(help: "The UDP and local API port (default: local.conf's primaryPort, else 9993).")
    var port: Int?

    @Option(name: .customLong("controller-db"), help: "A postgresql:// URL for the controller instead of <home>/controller.db.")
    var controllerDB: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be 1…65535") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "sixplane")
        logger.logLevel = level
        do {
            try await Daemon.run(Daemon.Options(home: home, port: port, controllerDB: controllerDB), logger: logger)
        } catch let error as DaemonError {
            throw CLIError(error.description)
        }
    }
}
