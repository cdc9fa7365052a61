import ArgumentParser
import Foundation
import SixplaneCNI

// The program's name picks its personality, as with ZeroTier's one binary for daemon, CLI and idtool.
let invokedAs = URL(fileURLWithPath: CommandLine.arguments.first ?? "sixplane").lastPathComponent
if invokedAs.contains("zerotier-idtool") {
    exit(ZeroTierIdtool.run(CommandLine.arguments))
}
if invokedAs.contains("zerotier-cli") {
    exit(ZeroTierCLI.run(CommandLine.arguments))
}
// A container runtime runs CNI plugins with no arguments and CNI_COMMAND set.
if CommandLine.arguments.count == 1, ProcessInfo.processInfo.environment["CNI_COMMAND"] != nil {
    exit(CNIPlugin.main())
}

do {
    var command = try Sixplane.parseAsRoot(GlobalOptions.reorder(Array(CommandLine.arguments.dropFirst())))
    if let asyncCommand = command as? any AsyncParsableCommand {
        try await runAsync(asyncCommand)
    } else {
        try command.run()
    }
} catch let error as CLIError {
    Output.error("error: \(error.message)")
    exit(1)
} catch {
    let code = Sixplane.exitCode(for: error)
    if code == .success {
        Output.line(Sixplane.fullMessage(for: error))
        exit(0)
    }
    if error is ExitCode { exit(code.rawValue) }
    Output.error("error: " + Sixplane.fullMessage(for: error).replacingOccurrences(of: "Error: ", with: ""))
    exit(1)
}

/// Opens the existential so that the async `run()` is the one called (not ParsableCommand's synchronous default).
func runAsync<C: AsyncParsableCommand>(_ command: C) async throws {
    var command = command
    try await command.run()
}
