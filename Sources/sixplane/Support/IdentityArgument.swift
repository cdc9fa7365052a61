import SixplaneCore
import SixplaneDaemon

/// An identity given on the command line, literally or as a file, the way zerotier-idtool tells them apart:
/// longer than 32 characters with ':' at position 10 is a literal, anything else a path.
enum IdentityArgument {
    static func isLiteral(_ argument: String) -> Bool {
        let utf8 = Array(argument.utf8)
        return utf8.count > 32 && utf8[10] == UInt8(ascii: ":")
    }

    static func load(_ argument: String) throws -> Identity {
        if isLiteral(argument) {
            do {
                return try Identity(parsing: argument)
            } catch {
                throw CLIError("invalid identity: \(error)")
            }
        }
        do {
            return try IdentityStore.read(argument)
        } catch {
            throw CLIError(error.description)
        }
    }
}
