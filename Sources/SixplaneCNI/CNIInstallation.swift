import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON

/// What `sixplane cni install` puts on a host: the plugin under its type name in the runtime's plugin directory (a
/// link to this binary) and a network configuration list naming it with the network id.
public struct CNIInstallation: Sendable {
    public static let type = "sixplane"

    public var network: NetworkID
    public var name = "sixplane"
    public var confDir = "/etc/cni/net.d"
    public var binDir = "/opt/cni/bin"
    public var home = CNIConfig.defaultHome
    public var dataDir = CNIConfig.defaultDataDir
    /// Copy the binary instead of linking it (a DaemonSet's container installs into the node's folders, where a link
    /// into the container's file system would point nowhere).
    public var copy = false

    public init(network: NetworkID) { self.network = network }

    public var confPath: String { "\(confDir)/10-\(name).conflist" }
    public var pluginPath: String { "\(binDir)/\(Self.type)" }

    public var conflist: JSON {
        .object([
            "cniVersion": .string("1.0.0"),
            "cniVersions": .array([.string("1.0.0"), .string("1.1.0")]),
            "name": .string(name),
            "plugins": .array([
                .object([
                    "type": .string(Self.type), "network": .string(network.description), "home": .string(home),
                    "dataDir": .string(dataDir),
                ])
            ]),
        ])
    }

    /// Writes both; returns what it did, line by line.
    public func install(binary: String) throws(CNIError) -> [String] {
        guard CNIConfig.isValidName(name) else { throw CNIError(.invalidConfig, "not a valid CNI network name: \(name)") }
        var done: [String] = []
        for dir in [confDir, binDir] {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw CNIError(.ioFailure, "cannot create \(dir)", details: error.localizedDescription)
            }
        }
        if copy {
            let bytes: Data
            do { bytes = try Data(contentsOf: URL(fileURLWithPath: binary)) } catch {
                throw CNIError(.ioFailure, "cannot read \(binary)", details: error.localizedDescription)
            }
            let isLink = (try? FileManager.default.destinationOfSymbolicLink(atPath: pluginPath)) != nil
            if isLink || FileManager.default.contents(atPath: pluginPath) != bytes {
                // Renamed into place: a runtime running the old plugin meanwhile keeps its file.
                do { try FileIO.write(pluginPath, Array(bytes), mode: 0o755) } catch {
                    throw CNIError(.ioFailure, "cannot copy the plugin to \(pluginPath)", details: error.description)
                }
                done.append("copied \(binary) to \(pluginPath)")
            }
        } else {
            let current = try? FileManager.default.destinationOfSymbolicLink(atPath: pluginPath)
            if current != binary {
                if FileManager.default.fileExists(atPath: pluginPath), current == nil {
                    throw CNIError(.ioFailure, "\(pluginPath) exists and is not a link to sixplane", details: "remove it first, or use --copy")
                }
                unlink(pluginPath)
                guard symlink(binary, pluginPath) == 0 else {
                    throw CNIError(.ioFailure, "cannot link \(pluginPath)", details: String(cString: strerror(errno)))
                }
                done.append("\(pluginPath) → \(binary)")
            }
        }
        let text = conflist.pretty(indent: "  ") + "\n"
        if (try? String(contentsOfFile: confPath, encoding: .utf8)) != text {
            do { try FileIO.write(confPath, text: text) } catch { throw CNIError(.ioFailure, "cannot write \(confPath)", details: error.description) }
            done.append("wrote \(confPath) (network \(network))")
        }
        return done
    }
}
