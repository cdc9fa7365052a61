import SixplaneCore

/// The node's identity files in its home directory, as ZeroTier keeps them.
///
/// `identity.secret` (`address:0:public:secret`, mode 0600) is the truth; `identity.public` is derived from it and
/// rewritten when it disagrees. Neither is written with a trailing newline; a trailing newline is accepted on read.
public struct IdentityStore: Sendable {
    public let home: String

    public init(home: String) { self.home = home }

    public var secretPath: String { home + "/identity.secret" }
    public var publicPath: String { home + "/identity.public" }

    /// Reads and fully validates `identity.secret`; nil if the file does not exist.
    public func load() throws(DaemonError) -> Identity? {
        guard FileIO.exists(secretPath) else { return nil }
        let identity = try Self.read(secretPath)
        guard identity.hasSecret else {
            throw DaemonError(.invalidIdentity, "\(secretPath) holds no secret key")
        }
        do {
            try identity.validate()
        } catch {
            throw DaemonError(.invalidIdentity, "\(secretPath): \(error)")
        }
        return identity
    }

    /// Loads the identity, or generates and saves a new one when there is none; repairs `identity.public`.
    public func loadOrCreate<R: RandomNumberGenerator>(using rng: inout R) throws(DaemonError) -> Identity {
        try FileIO.makeDirectory(home, mode: 0o700)
        let identity: Identity
        if let existing = try load() {
            identity = existing
        } else {
            identity = Identity.generate(using: &rng)
            try save(identity)
        }
        let wanted = identity.description
        if (try? FileIO.readText(publicPath))?.trimmingWhitespace() != wanted {
            try FileIO.write(publicPath, text: wanted, mode: 0o644)
        }
        return identity
    }

    /// Writes both files (the secret one 0600).
    public func save(_ identity: Identity) throws(DaemonError) {
        guard identity.hasSecret else {
            throw DaemonError(.invalidIdentity, "refusing to save identity \(identity.address) without its secret key")
        }
        try FileIO.write(secretPath, text: identity.secretDescription, mode: 0o600)
        try FileIO.write(publicPath, text: identity.description, mode: 0o644)
    }

    /// Parses an identity file (public or secret form) without validating its hash.
    public static func read(_ path: String) throws(DaemonError) -> Identity {
        let text = try FileIO.readText(path, limit: 4096)
        do {
            return try Identity(parsing: text)
        } catch {
            throw DaemonError(.invalidIdentity, "\(path): \(error)")
        }
    }
}
