import SixplaneCore
import SixplaneJSON

/// The parts of `local.conf` (ZeroTier's JSON settings file) Sixplane uses: `settings.primaryPort`,
/// `settings.secondaryPort` and `settings.allowSecondaryPort` (a second pair of UDP sockets, as ZeroTier opens for
/// NATs that treat ports differently; on by default, on a port derived from the address unless given), and Sixplane's `settings.interfaceNames` ({"<nwid>": "<tap name>"}),
/// `settings.dockerHost` (the engine whose containers get names; `unix:///path` or a path, "" for none) and
/// `settings.cniDataDir` (the CNI plugin's `dataDir`, whose pods get names; "" for none) and `settings.resolvConf`
/// (the file DNS settings go in where systemd-resolved does not run), `settings.resolver` ("systemd-resolved",
/// "resolv.conf", or "auto"), `settings.identityValidationShare` (the share of one core, 0.01 to 1, that checking
/// new peers' identities may take: 0.2 by default; a root that many nodes join at once may want more),
/// `settings.releaseStartupPages` (true by default: 30 s after start the daemon hands back the pages of its program
/// that start-up brought in; see `ProgramPages`).
public struct LocalConf: Sendable {
    public var primaryPort: Int?
    public var allowSecondaryPort = true
    public var secondaryPort: Int?
    public var interfaceNames: [NetworkID: String] = [:]
    public var dockerSocket: String? = Self.defaultDockerSocket
    public var podDataDir: String? = Self.defaultPodDataDir
    public var resolvConf = Self.defaultResolvConf
    /// How allowDNS is applied: nil to find out (systemd-resolved where it runs, else the file).
    public var resolverMethod: ResolverConfigurator.Method?
    public var identityValidationShare = 0.2
    public var releaseStartupPages = true

    public static let defaultDockerSocket = "/var/run/docker.sock"
    public static let defaultResolvConf = "/etc/resolv.conf"
    /// The CNI plugin's default `dataDir` (`CNIConfig.defaultDataDir`).
    public static let defaultPodDataDir = "/var/lib/cni/sixplane"

    public init() {}

    public init(home: Home) throws(DaemonError) {
        guard FileIO.exists(home.localConfPath) else {
            self.init()
            return
        }
        try self.init(text: try FileIO.readText(home.localConfPath, limit: 1 << 20), path: home.localConfPath)
    }

    /// Parses the text of a `local.conf` (`path` names it in errors).
    public init(text: String, path: String = "local.conf") throws(DaemonError) {
        guard let json = JSON(parsing: text), let o = json.objectValue else {
            throw DaemonError(.invalidConfiguration, "\(path) is not a JSON object")
        }
        let settings = o["settings"]?.objectValue ?? [:]
        if let p = settings["primaryPort"] {
            guard let n = p.intValue, (0...65535).contains(n) else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.primaryPort must be a port number")
            }
            primaryPort = Int(n)
        }
        if let p = settings["secondaryPort"] {
            guard let n = p.intValue, (0...65535).contains(n) else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.secondaryPort must be a port number")
            }
            secondaryPort = n == 0 ? nil : Int(n)
        }
        if let b = settings["allowSecondaryPort"]?.boolValue { allowSecondaryPort = b }
        for (k, v) in settings["interfaceNames"]?.objectValue ?? [:] {
            guard let id = try? NetworkID(hex: k), let name = v.stringValue, !name.isEmpty, name.utf8.count < 16 else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.interfaceNames wants {\"<nwid>\": \"<name of at most 15 bytes>\"}")
            }
            interfaceNames[id] = name
        }
        if let d = settings["dockerHost"] {
            guard let text = d.stringValue, text.isEmpty || text.hasPrefix("/") || text.hasPrefix("unix:///") else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.dockerHost wants \"unix:///<socket>\", a socket path, or \"\" for none")
            }
            dockerSocket = text.isEmpty ? nil : text.hasPrefix("unix://") ? String(text.dropFirst(7)) : text
        }
        if let c = settings["cniDataDir"] {
            guard let text = c.stringValue, text.isEmpty || text.hasPrefix("/") else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.cniDataDir wants an absolute path, or \"\" for none")
            }
            podDataDir = text.isEmpty ? nil : text
        }
        if let r = settings["resolvConf"] {
            guard let text = r.stringValue, text.hasPrefix("/") else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.resolvConf wants an absolute path")
            }
            resolvConf = text
        }
        if let m = settings["resolver"] {
            guard let text = m.stringValue, text == "auto" || ResolverConfigurator.Method(rawValue: text) != nil else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.resolver wants \"auto\", \"systemd-resolved\" or \"resolv.conf\"")
            }
            resolverMethod = ResolverConfigurator.Method(rawValue: text)
        }
        if let v = settings["identityValidationShare"] {
            guard let share = v.doubleValue, share >= 0.01, share <= 1 else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.identityValidationShare wants a number from 0.01 to 1")
            }
            identityValidationShare = share
        }
        if let v = settings["releaseStartupPages"] {
            guard let b = v.boolValue else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.releaseStartupPages wants true or false")
            }
            releaseStartupPages = b
        }
    }
}
