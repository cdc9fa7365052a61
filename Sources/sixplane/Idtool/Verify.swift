import ArgumentParser
import SixplaneCore
import SixplaneDaemon

extension Idtool {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a signature of a file made by `sign`.")

        @Argument(help: "The signer's identity (file or literal; public is enough).") var identity: String
        @Argument(help: "The signed file.") var file: String
        @Argument(help: "The signature: 192 hex digits, or a file holding them.") var signature: String
        @Flag(help: "Print a JSON object instead of text.") var json = false

        func run() throws {
            let signer = try IdentityArgument.load(identity)
            let message: [UInt8]
            do { message = try FileIO.read(file) } catch { throw CLIError(error.description) }
            let signatureBytes = try Self.signatureBytes(signature)
            let valid = signer.verify(message, signature: signatureBytes)
            if json {
                try Output.json(
                    SignatureJSON(address: signer.address.description, file: file, signature: Hex.encode(signatureBytes), valid: valid))
                if !valid { throw ExitCode(1) }
                return
            }
            guard valid else { throw CLIError("\(file) signature check FAILED") }
            Output.line("\(file) signature valid")
        }

        /// The signature given literally, or read from a file when the argument is not hex.
        static func signatureBytes(_ argument: String) throws -> [UInt8] {
            if let bytes = try? Hex.decode(argument, what: "signature") { return try checked(bytes) }
            let text: String
            do { text = try FileIO.readText(argument, limit: 4096) } catch {
                throw CLIError("signature '\(argument)' is neither hex nor a readable file")
            }
            do {
                return try checked(Hex.decode(text.trimmingWhitespace(), what: "signature in \(argument)"))
            } catch let error as WireError {
                throw CLIError(error.message)
            }
        }

        static func checked(_ bytes: [UInt8]) throws -> [UInt8] {
            guard bytes.count == C25519.signatureLength else {
                throw CLIError("signature must be \(C25519.signatureLength) bytes (192 hex digits), got \(bytes.count)")
            }
            return bytes
        }
    }
}
