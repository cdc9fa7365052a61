import ArgumentParser
import SixplaneCore
import SixplaneDaemon

extension Idtool {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new identity.",
            discussion: """
                With no paths the secret identity is printed. With paths it is written there: the secret form \
                (mode 0600) to the first, the public form to the second.
                """
        )

        @Argument(help: "Where to write identity.secret.") var secretPath: String?
        @Argument(help: "Where to write identity.public.") var publicPath: String?
        @Flag(help: "Print a JSON object instead of text.") var json = false

        func run() throws {
            var rng = SystemRandomNumberGenerator()
            let identity = Identity.generate(using: &rng)
            if let secretPath {
                try write(secretPath, identity.secretDescription, mode: 0o600)
            }
            if let publicPath {
                try write(publicPath, identity.description, mode: 0o644)
            }
            if json {
                try Output.json(
                    IdentityJSON(identity, includeSecret: secretPath == nil, secretPath: secretPath, publicPath: publicPath))
            } else if secretPath == nil {
                Output.line(identity.secretDescription)
            } else {
                Output.line("\(secretPath!) written")
                if let publicPath { Output.line("\(publicPath) written") }
            }
        }

        private func write(_ path: String, _ text: String, mode: UInt32) throws {
            do {
                try FileIO.write(path, text: text, mode: mode)
            } catch {
                throw CLIError(error.description)
            }
        }
    }
}

/// An identity as `--json` prints it.
struct IdentityJSON: Encodable {
    var address: String
    var identityType = 0
    var publicKey: String
    var publicIdentity: String
    var secretIdentity: String?
    var secretPath: String?
    var publicPath: String?
    var valid: Bool?

    init(_ identity: Identity, includeSecret: Bool, secretPath: String? = nil, publicPath: String? = nil, valid: Bool? = nil) {
        address = identity.address.description
        publicKey = Hex.encode(identity.publicKey)
        publicIdentity = identity.description
        secretIdentity = includeSecret && identity.hasSecret ? identity.secretDescription : nil
        self.secretPath = secretPath
        self.publicPath = publicPath
        self.valid = valid
    }
}
