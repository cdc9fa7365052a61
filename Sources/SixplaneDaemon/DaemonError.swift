/// Why the daemon's shell could not do something with the host: files, sockets, devices.
public struct DaemonError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case fileUnreadable
        case fileUnwritable
        case invalidIdentity
        case invalidConfiguration
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
