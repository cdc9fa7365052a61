/// The numeric fields of a `/proc/<pid>/status` (sizes in KiB), by name: what the daemon and the lab read memory from.
public enum ProcessStatus {
    public static func fields(_ text: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"),
                let value = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap({ Int($0) })
            else { continue }
            out[String(line[..<colon])] = value
        }
        return out
    }

    /// The fields of `/proc/<pid>/status` (`self` for this process), nil if it cannot be read.
    public static func read(_ pid: String = "self") -> [String: Int]? {
        guard let text = try? FileIO.readText("/proc/\(pid)/status", limit: 1 << 16) else { return nil }
        return fields(text)
    }
}
