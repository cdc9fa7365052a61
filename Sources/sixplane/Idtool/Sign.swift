import ArgumentParser
import SixplaneCore
import SixplaneDaemon

extension Idtool {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a file; prints the 96-byte signature in hex.")

        @Argument(help: "The secret identity (file or literal).") var identity: String
        @Argument(help: "The file to sign.") var file: String
        @Flag(help: "Print a JSON object instead of text.") var json = false

        func run() throws {
            let signer = try IdentityArgument.load(identity)
            guard signer.hasSecret else {
                throw CLIError("\(identity) does not contain a secret key (signing needs it)")
            }
            let message: [UInt8]
            do { message = try FileIO.read(file) } catch { throw CLIError(error.description) }
            let signature = try signer.sign(message)
            if json {
                try Output.json(SignatureJSON(address: signer.address.description, file: file, signature: Hex.encode(signature)))
            } else {
                Output.line(Hex.encode(signature))
            }
        }
    }
}

struct SignatureJSON: Encodable {
    var address: String
    var file: String
    var signature: String
    var valid: Bool?
}
