import Glibc

/// Small, checked file operations for the home directory: whole-file reads with a size bound, and atomic writes
/// with an explicit mode (secrets are created 0600 and never exist with looser permissions, even briefly).
public enum FileIO {
    /// Reads a whole file; files larger than `limit` are refused rather than read.
    public static func read(_ path: String, limit: Int = 16 << 20) throws(DaemonError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DaemonError(.fileUnreadable, "cannot read \(path): \(errnoText())") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DaemonError(.fileUnreadable, "cannot read \(path): \(errnoText())")
            }
            if n == 0 { break }
            out += chunk[0..<n]
            guard out.count <= limit else {
                throw DaemonError(.fileUnreadable, "\(path) is larger than \(limit) bytes")
            }
        }
        return out
    }

    public static func readText(_ path: String, limit: Int = 16 << 20) throws(DaemonError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Writes `bytes` to a temporary file created with `mode`, then renames it over `path`, then syncs the directory:
    /// until the directory is synced the rename itself may not survive a power cut (a new `identity.secret` could
    /// vanish, and with it every network id a controller derived from it).
    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(DaemonError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw DaemonError(.fileUnwritable, "cannot write \(path): \(errnoText())") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = errnoText()
                close(fd)
                unlink(temporary)
                throw DaemonError(.fileUnwritable, "cannot write \(path): \(why)")
            }
            written += n
        }
        // The umask may have narrowed the mode on creation; the rename keeps what fchmod sets.
        fchmod(fd, mode)
        guard fsync(fd) == 0, close(fd) == 0 else {
            unlink(temporary)
            throw DaemonError(.fileUnwritable, "cannot write \(path): \(errnoText())")
        }
        guard rename(temporary, path) == 0 else {
            let why = errnoText()
            unlink(temporary)
            throw DaemonError(.fileUnwritable, "cannot write \(path): \(why)")
        }
        try syncDirectory(containing: path)
    }

    /// Makes the entries of the directory holding `path` durable (a rename, a new file or directory in it).
    public static func syncDirectory(containing path: String) throws(DaemonError) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DaemonError(.fileUnwritable, "cannot sync \(directory): \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DaemonError(.fileUnwritable, "cannot sync \(directory): \(errnoText())") }
    }

    /// Removes a file and makes the removal durable; a file that is not there is not an error.
    public static func remove(_ path: String) throws(DaemonError) {
        if unlink(path) != 0 {
            guard errno == ENOENT else { throw DaemonError(.fileUnwritable, "cannot remove \(path): \(errnoText())") }
            return
        }
        try syncDirectory(containing: path)
    }

    public static func write(_ path: String, text: String, mode: mode_t = 0o644) throws(DaemonError) {
        try write(path, Array(text.utf8), mode: mode)
    }

    /// Creates `path` and any missing parents with `mode`.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(DaemonError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) == 0 {
                try syncDirectory(containing: current)
            } else if errno != EEXIST {
                throw DaemonError(.fileUnwritable, "cannot create directory \(current): \(errnoText())")
            }
        }
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
