import Foundation

/// The pod addresses of one CNI network on this host, kept on disk so that they survive restarts: one file per
/// address held (named by its index in the pod range, holding the container id and interface name, then the pod's
/// name and address, which the daemon serves in DNS), and a cursor so
/// that a released address is not handed out again before the rest of the range. Every change is made under an
/// exclusive lock on the directory's `lock` file, so concurrent ADDs from parallel plugin processes get different
/// addresses, and is synced to disk before the plugin answers.
public struct PodAddressBook: Sendable {
    public struct Holder: Hashable, Sendable, CustomStringConvertible {
        public var containerID: String
        public var ifname: String
        public init(containerID: String, ifname: String) {
            self.containerID = containerID
            self.ifname = ifname
        }
        public var description: String { "\(containerID)/\(ifname)" }
    }

    /// Indexes are 32 bits; 0 is never used.
    public static let maxPoolSize = Int(UInt32.max) - 1

    public let directory: String
    public let poolSize: Int

    public init(dataDir: String, network name: String, poolSize: Int) {
        directory = dataDir + "/" + name
        self.poolSize = poolSize
    }

    /// The index held by `holder`, or a new one (the next free after the last one given). `named` gives what the
    /// daemon's DNS reads from the file after the holder: the pod's name and its address.
    public func allocate(for holder: Holder, named: (Int) -> (name: String, address: String)? = { _ in nil }) throws(CNIError) -> Int {
        try locked { () throws(CNIError) -> Int in
            let held = try readAll()
            if let (index, _) = held.first(where: { $0.value == holder }) { return index }
            let full = CNIError(.rangeFull, "no free pod address", details: "all \(poolSize) addresses of the pod range are held; raise poolSize or delete pods")
            guard held.count < poolSize else { throw full }
            let last = Int((try? String(contentsOfFile: directory + "/last", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            var index = last
            for _ in 0..<poolSize {
                index = index % poolSize + 1
                if held[index] == nil { break }
            }
            guard held[index] == nil else { throw full }
            let name = named(index).map { "\($0.name.filter { $0 != "\n" })\n\($0.address)\n" } ?? ""
            try write(directory + "/\(index)", "\(holder.containerID)\n\(holder.ifname)\n" + name)
            try write(directory + "/last", "\(index)\n")
            return index
        }
    }

    /// Frees what `holder` held; nil if it held nothing (DEL is idempotent).
    @discardableResult
    public func release(_ holder: Holder) throws(CNIError) -> Int? {
        try locked { () throws(CNIError) -> Int? in
            guard let (index, _) = try readAll().first(where: { $0.value == holder }) else { return nil }
            try remove(index)
            return index
        }
    }

    /// Frees every address whose holder is not in `valid` (GC); returns what was freed.
    public func collect(keeping valid: Set<Holder>) throws(CNIError) -> [(index: Int, holder: Holder)] {
        try locked { () throws(CNIError) -> [(index: Int, holder: Holder)] in
            var freed: [(index: Int, holder: Holder)] = []
            for (index, holder) in try readAll().sorted(by: { $0.key < $1.key }) where !valid.contains(holder) {
                try remove(index)
                freed.append((index, holder))
            }
            return freed
        }
    }

    /// Every address held, by index.
    public func held() throws(CNIError) -> [Int: Holder] {
        try locked { () throws(CNIError) -> [Int: Holder] in try readAll() }
    }

    // MARK: On disk

    private func locked<T>(_ body: () throws(CNIError) -> T) throws(CNIError) -> T {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw CNIError(.ioFailure, "cannot create the address directory", details: "\(directory): \(error.localizedDescription)")
        }
        let fd = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CNIError(.ioFailure, "cannot open the address lock", details: "\(directory)/lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CNIError(.ioFailure, "cannot lock the addresses", details: String(cString: strerror(errno))) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    private func readAll() throws(CNIError) -> [Int: Holder] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw CNIError(.ioFailure, "cannot list the addresses", details: "\(directory): \(error.localizedDescription)")
        }
        var out: [Int: Holder] = [:]
        for name in names {
            guard let index = Int(name), index >= 1, String(index) == name,
                let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= 2 else { continue }
            out[index] = Holder(containerID: String(lines[0]), ifname: String(lines[1]))
        }
        return out
    }

    /// Written to a temporary file, synced, renamed into place and the directory synced: a crash leaves the old
    /// state or the new one.
    private func write(_ path: String, _ text: String) throws(CNIError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CNIError(.ioFailure, "cannot write \(path)", details: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard wrote == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CNIError(.ioFailure, "cannot write \(path)", details: String(cString: strerror(errno)))
        }
        syncDirectory()
    }

    private func remove(_ index: Int) throws(CNIError) {
        guard unlink(directory + "/\(index)") == 0 || errno == ENOENT else {
            throw CNIError(.ioFailure, "cannot free address \(index)", details: String(cString: strerror(errno)))
        }
        syncDirectory()
    }

    private func syncDirectory() {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
