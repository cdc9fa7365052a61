import Foundation
import SixplaneCore

/// The daemon's home folder, laid out as ZeroTier One's (protocol-network.md §9.1) so that a ZeroTier home works as
/// it is: identity files, `authtoken.secret`, `zerotier-one.port`, `planet`, `moons.d/`, `networks.d/`, `peers.d/`,
/// `local.conf`, and the controller's `controller.db`.
public struct Home: Sendable {
    public let path: String
    public static let defaultPath = "/var/lib/sixplane"

    public init(path: String) { self.path = path }

    public var identities: IdentityStore { IdentityStore(home: path) }
    public var authTokenPath: String { path + "/authtoken.secret" }
    public var portPath: String { path + "/zerotier-one.port" }
    public var pidPath: String { path + "/zerotier-one.pid" }
    public var planetPath: String { path + "/planet" }
    public var moonsPath: String { path + "/moons.d" }
    public var networksPath: String { path + "/networks.d" }
    public var peersPath: String { path + "/peers.d" }
    public var localConfPath: String { path + "/local.conf" }

    public func configPath(_ network: NetworkID) -> String { "\(networksPath)/\(network).conf" }
    public func localSettingsPath(_ network: NetworkID) -> String { "\(networksPath)/\(network).local.conf" }
    public func moonPath(_ id: UInt64) -> String { "\(moonsPath)/\(Hex.encode(id, digits: 16)).moon" }
    public func peerPath(_ address: Address) -> String { "\(peersPath)/\(address).peer" }

    /// Creates the folders a running daemon writes into.
    public func prepare() throws(DaemonError) {
        try FileIO.makeDirectory(path, mode: 0o700)
        for dir in [moonsPath, networksPath, peersPath] { try FileIO.makeDirectory(dir) }
    }

    // MARK: Auth token

    /// The local API's token: 24 random characters [a-z0-9], made on first start (0600); surrounding whitespace is
    /// ignored when read, as ZeroTier does.
    public func loadOrCreateAuthToken() throws(DaemonError) -> String {
        if FileIO.exists(authTokenPath) { return try readAuthToken() }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        let token = String((0..<24).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        try FileIO.write(authTokenPath, text: token, mode: 0o600)
        return token
    }

    public func readAuthToken() throws(DaemonError) -> String {
        let token = try FileIO.readText(authTokenPath, limit: 4096).trimmingWhitespace()
        guard !token.isEmpty else { throw DaemonError(.invalidConfiguration, "\(authTokenPath) is empty") }
        return token
    }

    public func readPort() throws(DaemonError) -> Int {
        let text = try FileIO.readText(portPath, limit: 64).trimmingWhitespace()
        guard let port = Int(text), (1...65535).contains(port) else {
            throw DaemonError(.invalidConfiguration, "\(portPath) does not hold a port number: \(text)")
        }
        return port
    }

    // MARK: Worlds

    /// `planet` if there is one (any world id: a private planet replaces the public one), else ZeroTier's.
    public func planet() throws(DaemonError) -> World {
        guard FileIO.exists(planetPath) else { return PublicPlanet.world }
        do { return try World(bytes: try FileIO.read(planetPath, limit: 1 << 16)) } catch let e as DaemonError { throw e } catch {
            throw DaemonError(.invalidConfiguration, "\(planetPath) is not a world: \(error)")
        }
    }

    /// The moons in `moons.d/` (unreadable ones are skipped and reported).
    public func moons() -> (moons: [World], problems: [String]) {
        var moons: [World] = [], problems: [String] = []
        for name in Self.list(moonsPath) where name.hasSuffix(".moon") {
            do { moons.append(try World(bytes: try FileIO.read("\(moonsPath)/\(name)", limit: 1 << 16))) } catch {
                problems.append("\(moonsPath)/\(name): \(error)")
            }
        }
        return (moons, problems)
    }

    // MARK: Networks

    /// Joined networks: every `networks.d/<16 hex>.conf` (an empty file means joined, no config yet), with the
    /// saved config when there is one.
    public func joinedNetworks() -> [(NetworkID, [UInt8]?)] {
        Self.list(networksPath).compactMap { name -> (NetworkID, [UInt8]?)? in
            guard name.count == 21, name.hasSuffix(".conf"), let id = try? NetworkID(hex: name.prefix(16)) else { return nil }
            let bytes = (try? FileIO.read("\(networksPath)/\(name)", limit: 1 << 20)) ?? []
            return (id, bytes.count > 1 ? bytes : nil)
        }.sorted { $0.0.rawValue < $1.0.rawValue }
    }

    public func localSettings(_ network: NetworkID) -> LocalNetworkSettings {
        guard let text = try? FileIO.readText(localSettingsPath(network), limit: 1 << 16) else { return LocalNetworkSettings() }
        return LocalNetworkSettings(text: text)
    }

    public func writeLocalSettings(_ settings: LocalNetworkSettings, _ network: NetworkID) throws(DaemonError) {
        try FileIO.write(localSettingsPath(network), text: settings.text)
    }

    static func list(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}

/// `networks.d/<nwid>.local.conf`: what the host lets a network's config do to it.
public struct LocalNetworkSettings: Equatable, Sendable {
    public var allowManaged = true
    public var allowGlobal = false
    public var allowDefault = false
    public var allowDNS = false
    /// A value of allowManaged longer than 5 characters is a comma list of prefixes managed addresses must be in.
    public var managedWhitelist: [IPPrefix] = []

    public init() {}

    /// Dictionary text (`key=value` lines), as ZeroTier writes it.
    public init(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let kv = line.split(separator: "=", maxSplits: 1).map { String($0).trimmingWhitespace() }
            guard kv.count == 2 else { continue }
            let on = kv[1].first.map { "1tT".contains($0) } ?? false
            switch kv[0] {
            case "allowManaged":
                if kv[1].count > 5 {
                    managedWhitelist = kv[1].split(separator: ",").compactMap { try? IPPrefix(parsing: String($0).trimmingWhitespace()) }
                    allowManaged = true
                } else {
                    // The last allowManaged line wins, whitelist or not.
                    allowManaged = on
                    managedWhitelist = []
                }
            case "allowGlobal": allowGlobal = on
            case "allowDefault": allowDefault = on
            case "allowDNS": allowDNS = on
            default: continue
            }
        }
    }

    public var text: String {
        var managed = managedWhitelist.isEmpty ? (allowManaged ? "1" : "0") : managedWhitelist.map(\.description).joined(separator: ",")
        // A whitelist is told from a boolean by its length: one short prefix ("::/7") gets commas, which reading skips.
        while !managedWhitelist.isEmpty && managed.count <= 5 { managed += "," }
        return "allowManaged=\(managed)\nallowGlobal=\(allowGlobal ? 1 : 0)\nallowDefault=\(allowDefault ? 1 : 0)\nallowDNS=\(allowDNS ? 1 : 0)\n"
    }
}
