import Foundation
import SixplaneCore
import SixplaneJSON

/// Imports a ZeroTier controller's JSON database (`controller.d`: `network/<nwid>.json` and
/// `network/<nwid>/member/<address>.json`), records as they are, revisions included.
public enum ControllerImport {
    public struct Report: Sendable, Equatable {
        public var networks = 0
        public var members = 0
        /// Files not imported, with why.
        public var failures: [Failure] = []
    }

    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func run(directory: String, into store: ControllerStore) throws(ControllerError) -> Report {
        let fm = FileManager.default
        let networksDir = "\(directory)/network"
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: networksDir, isDirectory: &isDir), isDir.boolValue else {
            throw ControllerError(.badRequest, "\(directory) is not a ZeroTier controller.d folder (it has no network/ folder)", field: "directory")
        }
        var report = Report()
        let names = ((try? fm.contentsOfDirectory(atPath: networksDir)) ?? []).sorted()
        var imported: Set<String> = []
        for name in names where name.hasSuffix(".json") {
            let path = "\(networksDir)/\(name)"
            do {
                let network = try ControllerNetwork(json: try read(path, objtype: "network"))
                guard "\(network.id).json" == name else { throw ControllerError(.badRequest, "its id \(network.id) does not match the file name") }
                try store.insertNetwork(network)
                imported.insert(network.id.description)
                report.networks += 1
            } catch {
                report.failures.append(Failure(path: path, reason: error.message))
            }
        }
        for name in names where !name.hasSuffix(".json") {
            let dir = "\(networksDir)/\(name)/member"
            guard fm.fileExists(atPath: dir) else { continue }
            let files = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            guard imported.contains(name) else {
                for f in files { report.failures.append(Failure(path: "\(dir)/\(f)", reason: "its network \(name) was not imported")) }
                continue
            }
            var batch: [(String, ControllerMember)] = []
            func flush() {
                guard !batch.isEmpty else { return }
                do {
                    try store.insertMembers(batch.map(\.1))
                    report.members += batch.count
                } catch {
                    // One bad record fails the batch: retry one by one to find it.
                    for (path, m) in batch {
                        do {
                            try store.insertMembers([m])
                            report.members += 1
                        } catch {
                            report.failures.append(Failure(path: path, reason: error.message))
                        }
                    }
                }
                batch.removeAll()
            }
            for f in files {
                let path = "\(dir)/\(f)"
                do {
                    let member = try ControllerMember(json: try read(path, objtype: "member"))
                    guard member.network.description == name, "\(member.address).json" == f else {
                        throw ControllerError(.badRequest, "its nwid/address do not match where it is")
                    }
                    batch.append((path, member))
                    if batch.count == 500 { flush() }
                } catch {
                    report.failures.append(Failure(path: path, reason: error.message))
                }
            }
            flush()
        }
        return report
    }

    /// Reads one record: at most 1 MiB of JSON, an object of the expected `objtype` (when it says).
    static func read(_ path: String, objtype: String) throws(ControllerError) -> JSON {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ControllerError(.badRequest, "unreadable") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 1 << 20 + 1)) ?? Data()
        guard data.count <= 1 << 20 else { throw ControllerError(.badRequest, "larger than 1 MiB") }
        guard let json = JSON(parsing: data), json.objectValue != nil else { throw ControllerError(.badRequest, "not a JSON object") }
        if let t = json["objtype"]?.stringValue, t != objtype { throw ControllerError(.badRequest, "objtype is \(t), not \(objtype)") }
        return json
    }
}

extension Error {
    var message: String { (self as? ControllerError)?.message ?? "\(self)" }
}
