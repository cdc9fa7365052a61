import SixplaneController
import SixplaneCore

/// The parts of `local.conf` (ZeroTier's JSON settings file) Sixplane uses: `settings.primaryPort`,
/// `settings.allowSecondaryPort`, and Sixplane's `settings.interfaceNames` ({"<nwid>": "<tap name>"}).
public struct LocalConf: Sendable {
    public var primaryPort: Int?
    public var allowSecondaryPort = true
    public var interfaceNames: [NetworkID: String] = [:]

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
        if let b = settings["allowSecondaryPort"]?.boolValue { allowSecondaryPort = b }
        for (k, v) in settings["interfaceNames"]?.objectValue ?? [:] {
            guard let id = try? NetworkID(hex: k), let name = v.stringValue, !name.isEmpty, name.utf8.count < 16 else {
                throw DaemonError(.invalidConfiguration, "\(path): settings.interfaceNames wants {\"<nwid>\": \"<name of at most 15 bytes>\"}")
            }
            interfaceNames[id] = name
        }
    }
}
