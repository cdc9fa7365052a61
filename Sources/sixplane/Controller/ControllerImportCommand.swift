import ArgumentParser
import Foundation
import SixplaneController
import SixplaneJSON

struct ControllerImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a ZeroTier controller's database (its controller.d folder).",
        discussion: """
            Networks and members are stored as they are, revisions included; existing records with the same ids are \
            replaced. Files that cannot be imported are listed, and the command then exits with status 1.
            """)

    @Argument(help: "The controller.d folder (holding network/<nwid>.json and network/<nwid>/member/<address>.json).")
    var directory: String

    @OptionGroup var database: ControllerDatabaseOptions

    @Flag(help: "Print a JSON report instead of text.") var json = false

    struct Report: Encodable {
        var networks: Int
        var members: Int
        var failures: [String: String]
    }

    func run() throws {
        let report: ControllerImport.Report
        do {
            try FileManager.default.createDirectory(atPath: database.home, withIntermediateDirectories: true)
            let store = try ControllerDatabase.open(home: database.home, url: database.controllerDB)
            report = try ControllerImport.run(directory: directory, into: store)
        } catch let e as ControllerError {
            throw CLIError(e.message)
        }
        if json {
            try Output.json(
                Report(
                    networks: report.networks, members: report.members,
                    failures: Dictionary(report.failures.map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })))
        } else {
            Output.line("imported \(report.networks) network(s) and \(report.members) member(s)")
            for f in report.failures { Output.error("not imported: \(f)") }
        }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}
