import Foundation
import SixplaneDaemon

/// A lab's long-running processes (daemons, dockerd): started with output appended to a log, waited for until they
/// answer, stopped with SIGTERM then SIGKILL.
enum LabProcess {
    /// Starts `argv` and polls `ready` every `interval` seconds; fails if the process exits or `timeout` passes.
    static func start(
        _ argv: [String], log: String, what: String, timeout: Double, interval: Double, ready: () -> Bool
    ) throws(LabError) -> pid_t {
        let pid: pid_t
        do { pid = try Spawn.start(argv, output: log, append: true) } catch { throw LabError(error.description) }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = Spawn.wait(pid, timeout: 0) { throw LabError("\(what) exited with \(status): \(tail(log))") }
            if ready() { return pid }
            usleep(UInt32(interval * 1_000_000))
        }
        terminate(pid, timeout: 5)
        throw LabError("\(what) did not answer within \(timeout) s: \(tail(log))")
    }

    /// SIGTERM, then SIGKILL after `timeout` seconds; the exit status.
    @discardableResult
    static func terminate(_ pid: pid_t, timeout: Double) -> Int32 {
        kill(pid, SIGTERM)
        if let status = Spawn.wait(pid, timeout: timeout) { return status }
        kill(pid, SIGKILL)
        return Spawn.wait(pid)
    }

    static func tail(_ path: String, _ lines: Int = 40) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
