import ArgumentParser
import Foundation
import SixplaneDaemon

/// How a command finds its daemon: the home folder's port and token files, like zerotier-cli's `-D`.
struct ServiceOptions: ParsableArguments {
    static var defaultHome: String { ProcessInfo.processInfo.environment["SIXPLANE_HOME"] ?? Home.defaultPath }

    @Option(help: "The daemon's home folder (its zerotier-one.port and authtoken.secret are read there).")
    var home = ServiceOptions.defaultHome

    @Option(help: "The daemon's API port, instead of reading it from the home folder.")
    var port: Int?

    @Option(help: "The API token, instead of reading authtoken.secret.")
    var token: String?

    @Flag(name: [.customShort("j"), .customLong("json")], help: "Print the daemon's JSON.")
    var json = false

    func client() throws -> ServiceClient {
        do { return try ServiceClient(home: Home(path: home), port: port, token: token) } catch { throw CLIError(error.description) }
    }

    /// Runs a zerotier-cli command; a non-zero status ends the program with it.
    func run(_ command: ServiceCommand, _ arguments: [String] = []) throws {
        let code = ServiceCLI(client: try client(), json: json).run(command, arguments)
        if code != 0 { throw ExitCode(code) }
    }
}
