import SixplaneJSON

/// Why the controller refused an API request or could not reach its database.
public struct ControllerError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Bad JSON or a bad value; `field` names it. HTTP 400.
        case badRequest
        /// No such network or member. HTTP 404.
        case notFound
        /// The database is unavailable. HTTP 503.
        case unavailable
        /// A concurrent writer got there first (an address it took); the store retries, then reports it. HTTP 409.
        case conflict
    }

    public var kind: Kind
    public var message: String
    public var field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public var description: String { message }

    public var httpStatus: Int {
        switch kind {
        case .badRequest: 400
        case .notFound: 404
        case .unavailable: 503
        case .conflict: 409
        }
    }

    /// The JSON body of the error response.
    public var json: JSON {
        var o: [String: JSON] = ["error": .string(message)]
        if let field { o["field"] = .string(field) }
        return .object(o)
    }
}
