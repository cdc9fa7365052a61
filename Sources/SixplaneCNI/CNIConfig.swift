import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON

/// The plugin's part of a network configuration, from stdin:
///
///     {"cniVersion": "1.0.0", "name": "sixplane", "type": "sixplane", "network": "8056c2e21c000001",
///      "home": "/var/lib/sixplane", "dataDir": "/var/lib/cni/sixplane", "poolSize": 65536}
///
/// `network` is required; the rest have those defaults. `mtu` (optional) sets the pods' MTU, else the network's.
public struct CNIConfig: Sendable {
    public static let maxInput = 1 << 20
    /// The daemon's own default (`Home.defaultPath`).
    public static let defaultHome = Home.defaultPath
    public static let defaultDataDir = "/var/lib/cni/sixplane"
    public static let defaultPoolSize = 65_536

    public var cniVersion: String
    public var name: String
    public var network: NetworkID
    public var home: String
    public var dataDir: String
    public var poolSize: Int
    public var mtu: Int?
    /// ADD's result, given back on CHECK and DEL.
    public var prevResult: JSON?
    /// GC: the attachments the runtime still holds (container id, interface name).
    public var validAttachments: [PodAddressBook.Holder]

    /// Parses stdin. VERSION needs nothing but `cniVersion` (and not even that); it is read with `lenient`.
    public init(stdin: [UInt8], lenient: Bool = false) throws(CNIError) {
        guard stdin.count <= Self.maxInput else {
            throw CNIError(.decodingFailure, "the network configuration is too large", details: "\(stdin.count) bytes, at most \(Self.maxInput)")
        }
        let json = JSON(parsing: Data(stdin))
        guard let object = json?.objectValue else {
            if lenient && stdin.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x09 || $0 == 0x0d }) {
                self.init(version: CNIVersion.newest)
                return
            }
            throw CNIError(.decodingFailure, "the network configuration on stdin is not a JSON object")
        }
        guard let version = object["cniVersion"]?.stringValue ?? (lenient ? CNIVersion.newest : nil) else {
            throw CNIError(.invalidConfig, "cniVersion is missing")
        }
        self.init(version: version)
        if lenient { return }
        guard CNIVersion.supported.contains(version) else {
            throw CNIError(.incompatibleVersion, "CNI version \(version.prefix(32)) is not supported", details: "supported: \(CNIVersion.supported.joined(separator: ", "))")
        }
        guard let name = object["name"]?.stringValue, Self.isValidName(name) else {
            throw CNIError(.invalidConfig, "name is missing or not a valid network name", details: "letters, digits, _ . -, at most 128")
        }
        self.name = name
        guard let nw = object["network"] else {
            throw CNIError(.invalidConfig, "network is missing: the 16-hex-digit id of the ZeroTier network whose 6PLANE /80 pods use")
        }
        guard let text = nw.stringValue, text.count == 16, let id = try? NetworkID(hex: text) else {
            throw CNIError(.invalidConfig, "network is not a network id", details: "\(nw.text.prefix(40)): expected 16 hex digits")
        }
        network = id
        if let h = object["home"] {
            guard let s = h.stringValue, s.hasPrefix("/") else { throw CNIError(.invalidConfig, "home must be an absolute path") }
            home = s
        }
        if let d = object["dataDir"] {
            guard let s = d.stringValue, s.hasPrefix("/") else { throw CNIError(.invalidConfig, "dataDir must be an absolute path") }
            dataDir = s
        }
        if let p = object["poolSize"] {
            guard let n = p.intValue, n >= 1, n <= PodAddressBook.maxPoolSize else {
                throw CNIError(.invalidConfig, "poolSize must be 1 to \(PodAddressBook.maxPoolSize)")
            }
            poolSize = Int(n)
        }
        if let m = object["mtu"] {
            guard let n = m.intValue, n >= 1280, n <= 65_535 else { throw CNIError(.invalidConfig, "mtu must be 1280 to 65535 (IPv6 needs 1280)") }
            mtu = Int(n)
        }
        prevResult = object["prevResult"]
        if let list = object["cni.dev/valid-attachments"] {
            guard let items = list.arrayValue else { throw CNIError(.invalidConfig, "cni.dev/valid-attachments must be an array") }
            validAttachments = try items.map { (item: JSON) throws(CNIError) -> PodAddressBook.Holder in
                guard let c = item["containerID"]?.stringValue, let i = item["ifname"]?.stringValue else {
                    throw CNIError(.invalidConfig, "each valid attachment needs containerID and ifname")
                }
                return PodAddressBook.Holder(containerID: c, ifname: i)
            }
        }
    }

    private init(version: String) {
        cniVersion = version
        name = ""
        network = NetworkID(rawValue: 0)
        home = Self.defaultHome
        dataDir = Self.defaultDataDir
        poolSize = Self.defaultPoolSize
        validAttachments = []
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 128, first != "." else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." || $0 == "-"
        }
    }
}
