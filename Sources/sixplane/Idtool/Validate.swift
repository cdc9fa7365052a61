import ArgumentParser
import SixplaneCore

extension Idtool {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that an identity's address is what its public key hashes to (and its secret matches).")

        @Argument(help: "An identity file, or an identity given literally.") var identity: String
        @Flag(help: "Print a JSON object instead of text.") var json = false

        func run() throws {
            let parsed = try IdentityArgument.load(identity)
            var failure: CryptoError?
            do { try parsed.validate() } catch { failure = error }
            if json {
                var out = IdentityJSON(parsed, includeSecret: false, valid: failure == nil)
                out.secretIdentity = nil
                try Output.json(ValidationJSON(identity: out, error: failure?.message))
                if failure != nil { throw ExitCode(1) }
                return
            }
            if let failure {
                throw CLIError("\(identity) FAILED validation: \(failure.message)")
            }
            Output.line("\(identity) is a valid identity")
        }
    }
}

struct ValidationJSON: Encodable {
    var identity: IdentityJSON
    var error: String?
}
