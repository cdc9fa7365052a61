import ArgumentParser
import SixplaneCore

extension Idtool {
    struct GetPublic: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "getpublic", abstract: "Print the public form of an identity.")

        @Argument(help: "An identity file, or an identity given literally.") var identity: String
        @Flag(help: "Print a JSON object instead of text.") var json = false

        func run() throws {
            let parsed = try IdentityArgument.load(identity)
            if json {
                try Output.json(IdentityJSON(parsed, includeSecret: false))
            } else {
                Output.line(parsed.description)
            }
        }
    }
}
