import Foundation
import SixplaneCore

/// `peers.d/`: identities of peers that carried network traffic, so that after a restart the node knows them
/// without a WHOIS. A file is read only when the node asks for that peer (never all at start, where each would
/// cost a validation on the node's loop), and the folder holds at most `capacity` files: past it, the oldest (by
/// modification time) go, as do files older than `maxAge`.
final class PeerCache {
    let directory: String
    let capacity: Int
    let maxAge: TimeInterval
    private(set) var count = 0

    init(directory: String, capacity: Int = 4096, maxAge: TimeInterval = 30 * 86_400) {
        self.directory = directory
        self.capacity = capacity
        self.maxAge = maxAge
        prune()
    }

    private func path(_ address: Address) -> String { "\(directory)/\(address).peer" }

    func load(_ address: Address) -> [UInt8]? {
        try? FileIO.read(path(address), limit: 4096)
    }

    func store(_ address: Address, _ data: [UInt8]?) throws(DaemonError) {
        let file = path(address)
        guard let data else {
            if unlink(file) == 0 { count -= 1 }
            return
        }
        let existed = FileIO.exists(file)
        try FileIO.write(file, data)
        if !existed { count += 1 }
        if count > capacity { prune() }
    }

    /// Deletes files past `maxAge`, then the oldest down to nine tenths of the capacity (so that pruning is rare).
    func prune() {
        let names = Home.list(directory).filter { $0.hasSuffix(".peer") }
        var files: [(name: String, modified: TimeInterval)] = []
        let now = Date().timeIntervalSince1970
        for name in names {
            var st = stat()
            guard stat("\(directory)/\(name)", &st) == 0 else { continue }
            let modified = TimeInterval(st.st_mtim.tv_sec)
            if now - modified > maxAge {
                unlink("\(directory)/\(name)")
            } else {
                files.append((name, modified))
            }
        }
        if files.count > capacity {
            files.sort { $0.modified != $1.modified ? $0.modified < $1.modified : $0.name < $1.name }
            let excess = files.count - capacity * 9 / 10
            for f in files.prefix(excess) { unlink("\(directory)/\(f.name)") }
            files.removeFirst(excess)
        }
        count = files.count
    }
}
