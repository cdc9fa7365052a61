import ArgumentParser
import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON

/// `sixplane mkworld`: a signed planet or moon naming roots and their endpoints. Key files are ZeroTier mkworld's
/// `current.c25519`/`previous.c25519` format (128 bytes: public key then secret key).
struct MkworldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mkworld",
        abstract: "Write a signed planet (or moon) naming root nodes and their endpoints.",
        discussion: """
            Example: sixplane mkworld --key world.c25519 --root /var/lib/sixplane/identity.public=192.0.2.1/9993 --out planet
            Copy the planet to every node's home as `planet` (a moon to moons.d/<id>.moon) and restart them. A node whose \
            identity is one of the roots serves as a root. Updating a world: same --id, a later --timestamp, signed with \
            --previous-key when the signing key changes.
            """
    )

    @Option(name: .customLong("root"), help: "A root: <identity or identity file>=<ip/port>[,<ip/port>…]. Repeat for more roots.")
    var roots: [String]

    @Option(help: "The signing key file (created with a new key if missing).")
    var key: String

    @Option(name: .customLong("previous-key"), help: "The key that signed the world being replaced (default: --key).")
    var previousKey: String?

    @Flag(help: "Make a moon instead of a planet (its id defaults to the first root's address).")
    var moon = false

    @Option(help: "The world id (decimal, or hex with 0x); a planet's defaults to a random one.")
    var id: String?

    @Option(help: "The timestamp in ms (default: now); an update must be later than the world it replaces.")
    var timestamp: UInt64?

    @Option(help: "Where to write the world.")
    var out: String

    @Flag(help: "Print what was written as JSON.")
    var json = false

    func run() throws {
        var parsedRoots: [World.Root] = []
        for spec in roots {
            guard let eq = spec.lastIndex(of: "=") else { throw ValidationError("--root is <identity>=<ip/port>[,…], got \(spec)") }
            let identity = try IdentityArgument.load(String(spec[..<eq]))
            var endpoints: [InetAddress] = []
            for text in spec[spec.index(after: eq)...].split(separator: ",") {
                guard let endpoint = try? InetAddress(parsing: text) else { throw ValidationError("endpoint \(text) is not <ip>/<port>") }
                endpoints.append(endpoint)
            }
            guard !endpoints.isEmpty, endpoints.count <= 32 else { throw ValidationError("root \(identity.address) needs 1…32 endpoints") }
            parsedRoots.append(World.Root(identity: identity.publicOnly, endpoints: endpoints))
        }
        guard !parsedRoots.isEmpty, parsedRoots.count <= 4 else { throw ValidationError("a world has 1…4 roots") }
        let worldID: UInt64
        if let id {
            guard let v = id.hasPrefix("0x") ? UInt64(id.dropFirst(2), radix: 16) : UInt64(id), v != 0 else { throw ValidationError("bad --id \(id)") }
            worldID = v
        } else if moon {
            worldID = parsedRoots[0].identity.address.rawValue
        } else {
            // Below 2^63: JSON readers of world ids (the local API's planetWorldId) take them as signed 64-bit numbers.
            worldID = UInt64.random(in: 1...UInt64(Int64.max))
        }
        let current = try Self.loadOrCreateKey(key)
        let previous = try previousKey.map { path throws in try Self.loadKey(path) } ?? current
        let world = try World(
            kind: moon ? .moon : .planet, id: worldID, timestamp: timestamp ?? UInt64(Date().timeIntervalSince1970 * 1000),
            updatesMustBeSignedBy: current.publicKey, roots: parsedRoots
        ).signed(secretKey: previous.secretKey)
        guard world.verify(signingKey: previous.publicKey) else { throw CLIError("the signature does not verify") }
        do { try FileIO.write(out, world.serialized, mode: 0o644) } catch { throw CLIError(error.description) }
        let idHex = Hex.encode(worldID, digits: 16)
        if json {
            let roots: [JSON] = parsedRoots.map {
                ["identity": .string($0.identity.description), "stableEndpoints": .array($0.endpoints.map { .string($0.description) })]
            }
            let o: JSON = [
                "id": .string(idHex), "type": .string(moon ? "moon" : "planet"), "timestamp": .int(Int64(clamping: world.timestamp)),
                "bytes": .int(Int64(world.serialized.count)), "roots": .array(roots),
            ]
            Output.line(o.text)
        } else {
            Output.line("wrote \(moon ? "moon" : "planet") \(idHex) (\(world.serialized.count) bytes, timestamp \(world.timestamp)) to \(out)")
            if moon { Output.line("install it as <home>/moons.d/\(idHex).moon, or: sixplane orbit \(idHex) \(parsedRoots[0].identity.address)") }
        }
    }

    struct KeyPair {
        var publicKey: [UInt8]
        var secretKey: [UInt8]
    }

    static func loadKey(_ path: String) throws -> KeyPair {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 4096) } catch { throw CLIError(error.description) }
        guard bytes.count == 128 else { throw CLIError("\(path) is not a key file (128 bytes: public, then secret key)") }
        let pair = KeyPair(publicKey: Array(bytes[0..<64]), secretKey: Array(bytes[64..<128]))
        guard (try? C25519.publicKey(secret: pair.secretKey)) == pair.publicKey else { throw CLIError("\(path): the public key does not match the secret") }
        return pair
    }

    static func loadOrCreateKey(_ path: String) throws -> KeyPair {
        if FileManager.default.fileExists(atPath: path) { return try loadKey(path) }
        var rng = SystemRandomNumberGenerator()
        let secret = (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let pair = KeyPair(publicKey: try C25519.publicKey(secret: secret), secretKey: secret)
        do { try FileIO.write(path, pair.publicKey + pair.secretKey, mode: 0o600) } catch { throw CLIError(error.description) }
        return pair
    }
}
