/// An error the CLI reports as `error: <message>` on stderr, exiting 1.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension CLIError {
    /// Runs `body`, reporting any error as a CLIError with its description.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as CLIError { throw e } catch { throw CLIError("\(error)") }
    }
}
