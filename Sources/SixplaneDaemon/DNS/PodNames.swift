import Foundation
import SixplaneCore
import SixplaneDNS

/// The pods the CNI plugin gave addresses on this host, read from its address books (`<dataDir>/<network>/<index>`:
/// container id, interface, pod name, address; see `PodAddressBook`), each network's folder read again only when it
/// changed. Files from a plugin older than the names (two lines) are skipped.
public struct PodNames {
    let dataDir: String
    private var seen: [String: (stamp: timespec, pods: [HostedName])] = [:]
    /// Pods read per network folder, at most (the zone keeps at most `DNSZone.containerLimit` anyway).
    static let limit = DNSZone.containerLimit

    init(dataDir: String) { self.dataDir = dataDir }

    /// Every pod now; nil when nothing changed since the last call.
    mutating func read() -> [HostedName]? {
        let networks = ((try? FileManager.default.contentsOfDirectory(atPath: dataDir)) ?? []).sorted()
        var changed = Set(seen.keys) != Set(networks)
        var next: [String: (stamp: timespec, pods: [HostedName])] = [:]
        for network in networks {
            let folder = dataDir + "/" + network
            var st = stat()
            guard stat(folder, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { continue }
            if let old = seen[network], old.stamp.tv_sec == st.st_mtim.tv_sec, old.stamp.tv_nsec == st.st_mtim.tv_nsec {
                next[network] = old
                continue
            }
            changed = true
            next[network] = (st.st_mtim, Self.pods(in: folder))
        }
        seen = next
        return changed ? next.keys.sorted().flatMap { next[$0]!.pods } : nil
    }

    static func pods(in folder: String) -> [HostedName] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { Int($0) != nil }.sorted()
        return names.prefix(limit).compactMap { name in (try? FileIO.readText(folder + "/" + name, limit: 4096)).flatMap(pod(fromFile:)) }
    }

    /// One address book file's pod: its name and address (lines 3 and 4); nil for a file without them.
    public static func pod(fromFile text: String) -> HostedName? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, !lines[2].isEmpty, let address = try? IPAddress(parsing: String(lines[3])) else { return nil }
        return HostedName(name: String(lines[2]), addresses: [address])
    }
}
