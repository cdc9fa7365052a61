/// An error the CLI reports as `error: <message>` on stderr, exiting 1.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
