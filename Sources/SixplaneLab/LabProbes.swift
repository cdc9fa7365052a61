import Foundation
import SixplaneCore
import SixplaneDaemon

/// What the lab reads off its hosts: a daemon's metrics (through the `zerotier-cli` personality, as a monitoring
/// script would), its memory and CPU from /proc, and the outcome of a ping run.
extension LabHost {
    /// Every sample of `/metrics`, by its name with labels (`sixplane_drops_total{reason="badMAC"}`).
    public func metrics() -> [String: Int] {
        let link = lab.directory + "/zerotier-cli"
        if !FileManager.default.fileExists(atPath: link) { try? FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: lab.sixplane) }
        var out: [String: Int] = [:]
        for line in run([link, "-D" + home, "/metrics"]).output.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let v = Int(parts[1]) { out[String(parts[0])] = v }
        }
        return out
    }

    /// The drops (by reason) that grew between two readings of `metrics()`.
    public static func dropsGrown(before: [String: Int], after: [String: Int]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (key, value) in after where key.hasPrefix("sixplane_drops_total") {
            let grew = value - before[key, default: 0]
            if grew > 0, let r = key.split(separator: "\"").dropFirst().first { out[String(r)] = grew }
        }
        return out
    }

    /// The tables of a `metrics()` reading past their bound (none expected).
    public static func overfullTables(_ metrics: [String: Int]) -> [String] {
        metrics.filter { $0.key.hasPrefix("sixplane_table_entries") }
            .filter { $0.value > metrics[$0.key.replacingOccurrences(of: "_entries", with: "_capacity"), default: .max] }
            .map(\.key).sorted()
    }

    /// The daemon's resident and anonymous memory in KiB (VmRSS, RssAnon of /proc/<pid>/status).
    public func memory() -> (resident: Int, anonymous: Int)? {
        guard let status = processStatus() else { return nil }
        return (status["VmRSS"] ?? 0, status["RssAnon"] ?? 0)
    }

    /// The numeric fields of the daemon's /proc/<pid>/status (sizes in KiB), by name.
    public func processStatus() -> [String: Int]? {
        guard let pid else { return nil }
        return ProcessStatus.read(String(pid))
    }

    /// The daemon's CPU time so far, in seconds (utime + stime).
    public func cpuSeconds() -> Double {
        guard let pid, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return Double(user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// The summary of `ping`: how many were sent and answered, and the round trips.
public struct PingResult: Sendable, CustomStringConvertible {
    public var sent = 0
    public var received = 0
    public var minimum = 0.0, average = 0.0, maximum = 0.0

    public var loss: Double { sent == 0 ? 1 : Double(sent - received) / Double(sent) }

    /// From iputils' last two lines ("N packets transmitted, M received", "rtt min/avg/max/mdev = a/b/c/d ms").
    public init(parsing output: String) {
        for line in output.split(separator: "\n") {
            if line.contains("packets transmitted") {
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                if numbers.count >= 2 { (sent, received) = (numbers[0], numbers[1]) }
            } else if line.hasPrefix("rtt") || line.hasPrefix("round-trip"), let eq = line.firstIndex(of: "=") {
                let values = line[line.index(after: eq)...].split(separator: "/").compactMap { Double($0.trimmingCharacters(in: .whitespaces.union(.letters))) }
                if values.count >= 3 { (minimum, average, maximum) = (values[0], values[1], values[2]) }
            }
        }
    }

    public var description: String {
        String(format: "%d of %d answered (%.1f %% lost), rtt min/avg/max %.2f/%.2f/%.2f ms", received, sent, loss * 100, minimum, average, maximum)
    }
}
