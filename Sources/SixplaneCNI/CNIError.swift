import SixplaneJSON

/// A CNI error as the spec's error object: a well-known code (or one of ours, from 100), a message, details.
public struct CNIError: Error, Equatable, CustomStringConvertible, Sendable {
    public var code: Int
    public var message: String
    public var details: String

    public init(_ code: Code, _ message: String, details: String = "") {
        self.init(code: code.rawValue, message, details: details)
    }

    init(code: Int, _ message: String, details: String = "") {
        self.code = code
        self.message = message
        self.details = details
    }

    public enum Code: Int, Sendable {
        case incompatibleVersion = 1
        case unsupportedField = 2
        case unknownContainer = 3
        case invalidEnvironment = 4
        case ioFailure = 5
        case decodingFailure = 6
        case invalidConfig = 7
        case tryAgainLater = 11
        /// STATUS: the plugin cannot take ADDs now.
        case notAvailable = 50
        /// Ours: every address of the pod range is held.
        case rangeFull = 100
        /// Ours: an interface, address or route could not be set up (or, for CHECK, is not as it was made).
        case interfaceFailure = 102
    }

    public var description: String { details.isEmpty ? "\(message) (CNI error \(code))" : "\(message): \(details) (CNI error \(code))" }

    /// The object printed on stdout.
    public func json(cniVersion: String) -> String {
        var o: [String: JSON] = ["cniVersion": .string(cniVersion), "code": .int(Int64(code)), "msg": .string(message)]
        if !details.isEmpty { o["details"] = .string(details) }
        return JSON.object(o).text
    }
}
