import Foundation
import SixplaneDaemon

/// A real systemd-resolved for a lab host, without systemd: Debian's package unpacked (not installed) by
/// `scripts/install-deps.sh`, run in the host's network namespace and in a private mount namespace that gives it its
/// user and its own /run/systemd, with a system bus of its own (dbus-daemon) whose socket is in the host's folder.
/// The host's daemon reaches it with `DBUS_SYSTEM_BUS_ADDRESS` and the unpacked `resolvectl` on its PATH.
public final class LabResolved: @unchecked Sendable {
    public static let root = "/var/cache/sixplane-tests/systemd-resolved"
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: root + "/lib/systemd/systemd-resolved")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/dbus-daemon")
    }

    public unowned let host: LabHost
    let directory: String
    public private(set) var pid: pid_t?
    public var busAddress: String { "unix:path=\(directory)/bus" }
    /// What the host's daemon needs in its environment to use it.
    public var environment: [String: String] {
        ["DBUS_SYSTEM_BUS_ADDRESS": busAddress, "PATH": Self.root + "/usr/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    public init(host: LabHost) {
        self.host = host
        directory = host.home + "/resolved"
    }

    public func start() throws(LabError) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let passwd = ((try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? "") + "systemd-resolve:x:64991:64991:resolver:/:/usr/sbin/nologin\n"
        let group = ((try? String(contentsOfFile: "/etc/group", encoding: .utf8)) ?? "") + "systemd-resolve:x:64991:\n"
        let bus = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>\(busAddress)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
            </busconfig>
            """
        // The bus runs where the resolver's user exists (it checks who connects); both go when the script's
        // process group is killed.
        let script = """
            #!/bin/sh
            mount --bind \(directory)/passwd /etc/passwd
            mount --bind \(directory)/group /etc/group
            mount -t tmpfs tmpfs /run/systemd 2>/dev/null || { mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd; }
            dbus-daemon --config-file=\(directory)/bus.conf --nofork --nopidfile &
            echo $! > \(directory)/bus.pid
            while [ ! -S \(directory)/bus ]; do sleep 0.1; done
            export DBUS_SYSTEM_BUS_ADDRESS=\(busAddress)
            exec \(Self.root)/lib/systemd/systemd-resolved
            """
        do {
            try passwd.write(toFile: directory + "/passwd", atomically: true, encoding: .utf8)
            try group.write(toFile: directory + "/group", atomically: true, encoding: .utf8)
            try bus.write(toFile: directory + "/bus.conf", atomically: true, encoding: .utf8)
            try script.write(toFile: directory + "/run.sh", atomically: true, encoding: .utf8)
        } catch { throw LabError("\(host.name): systemd-resolved files: \(error)") }
        pid = try LabProcess.start(["ip", "netns", "exec", host.namespace, "unshare", "-m", "--propagation", "private", "sh", directory + "/run.sh"],
            log: directory + "/resolved.log", what: "\(host.name): systemd-resolved", timeout: 15, interval: 0.2) {
            resolvectl("status").status == 0
        }
    }

    /// `resolvectl` against it, inside the host's namespace.
    @discardableResult
    public func resolvectl(_ args: String...) -> Spawn.Result {
        host.run(["env", "DBUS_SYSTEM_BUS_ADDRESS=\(busAddress)", Self.root + "/usr/bin/resolvectl", "--no-pager"] + args)
    }

    public func stop() {
        if let bus = (try? String(contentsOfFile: directory + "/bus.pid", encoding: .utf8)).flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            kill(bus, SIGTERM)
        }
        guard let pid else { return }
        self.pid = nil
        LabProcess.terminate(pid, timeout: 5)
    }

    public func tail(_ lines: Int = 30) -> String { LabProcess.tail(directory + "/resolved.log", lines) }
}
