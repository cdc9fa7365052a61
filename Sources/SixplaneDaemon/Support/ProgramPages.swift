#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The pages of the daemon's program: its binary and the libraries it loads. Start-up runs code an idle daemon never
/// runs again (argument parsing, the planet, the database, the API's routes), and the kernel maps each fault's 64 KiB
/// neighbourhood and reads ahead on top of that, so a settled daemon keeps tens of MB of its binary resident that it
/// does not use. Once start-up is over they are handed back: the program's private file mappings are marked
/// random-access (a later fault reads the page it needs, not a window around it; the kernel measured here, 6.18,
/// reads ahead in executable mappings whatever the advice) and paged out (clean pages leave memory; written ones stay, there being
/// nowhere to write them; pages other processes map too stay where they are). What stays resident is what the daemon
/// runs.
public enum ProgramPages {
    public struct Mapping: Equatable, Sendable {
        public var start: UInt
        public var end: UInt
        public var path: String
    }

    public struct Outcome: Sendable {
        /// Bytes of the program's mappings (binary and libraries) that were advised.
        public var advised: UInt
        /// The process's file-backed resident memory before and after, in KiB (RssFile of /proc/self/status).
        public var residentFileBefore: Int
        public var residentFileAfter: Int
        /// Mappings the kernel would not advise (a locked one, say; MADV_PAGEOUT needs Linux 5.4).
        public var refused: Int
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// /proc/self/maps or /proc/self/exe could not be read.
        case unreadable(String)

        public var description: String {
            switch self {
            case .unreadable(let what): "cannot read \(what)"
            }
        }
    }

    /// Linux's values; older C headers lack MADV_PAGEOUT.
    static let adviseRandom: Int32 = 1
    static let advisePageOut: Int32 = 21

    /// The private mappings of files in `/proc/<pid>/maps` text, at most `limit` of them (a program has a few dozen).
    public static func mappings(maps: String, limit: Int = 256) -> [Mapping] {
        var out: [Mapping] = []
        for line in maps.split(separator: "\n") where out.count < limit {
            // start-end perms offset dev inode path; the path (which may hold spaces) is the rest of the line.
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6 else { continue }
            let path = fields[5].drop { $0 == " " }
            let bounds = fields[0].split(separator: "-")
            let perms = Array(fields[1].utf8)
            guard path.hasPrefix("/"), bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                start < end, perms.count == 4, perms[3] == UInt8(ascii: "p")
            else { continue }
            out.append(Mapping(start: start, end: end, path: String(path)))
        }
        return out
    }

    /// Advises every mapping of the running program: random access, then page out.
    public static func release() -> Result<Outcome, Failure> {
        guard let exe = readLink("/proc/self/exe") else { return .failure(.unreadable("/proc/self/exe")) }
        guard let maps = try? FileIO.readText("/proc/self/maps", limit: 1 << 20) else { return .failure(.unreadable("/proc/self/maps")) }
        let before = ProcessStatus.read()?["RssFile"] ?? 0
        let fd = open(exe, O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        // A binary installed moments ago may still be dirty in the page cache, and dirty pages are not paged out.
        if fd >= 0 { _ = fsync(fd) }
        var advised: UInt = 0
        var refused = 0
        for m in mappings(maps: maps) {
            let start = UnsafeMutableRawPointer(bitPattern: m.start)
            let length = Int(m.end - m.start)
            guard madvise(start, length, adviseRandom) == 0, madvise(start, length, advisePageOut) == 0 else {
                refused += 1
                continue
            }
            advised += m.end - m.start
        }
        // The page cache still holds the binary's pages this process never mapped (read by an install, an earlier
        // run); each later fault would map up to 15 of them around the page it wants. Dropping those clean, unmapped
        // pages leaves faults only the pages the daemon runs. Libraries other programs use keep their cache.
        if fd >= 0 { _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) }
        return .success(Outcome(advised: advised, residentFileBefore: before, residentFileAfter: ProcessStatus.read()?["RssFile"] ?? 0, refused: refused))
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buffer, 4096)
        guard n > 0 else { return nil }
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

