import Foundation

/// Runs programs with posix_spawn, every descriptor above 2 closed in the child (Foundation's `Process` leaks its
/// descriptors into children, and a child that outlives its parent's pipes then hangs whoever reads them).
public enum Spawn {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs `argv` (looked up in PATH) to the end; stdout and stderr together. `input`, if given, is its stdin.
    public static func run(_ argv: [String], input: String? = nil) -> Result {
        let outputPath = "/tmp/sixplane-spawn-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { unlink(outputPath) }
        var inputPath: String?
        if let input {
            let path = outputPath + ".in"
            guard FileManager.default.createFile(atPath: path, contents: Data(input.utf8), attributes: [.posixPermissions: 0o600]) else {
                return Result(status: 127, output: "cannot write the input for \(argv[0])")
            }
            inputPath = path
        }
        defer { if let inputPath { unlink(inputPath) } }
        let pid: pid_t
        do { pid = try start(argv, output: outputPath, input: inputPath) } catch { return Result(status: 127, output: "\(error)") }
        let status = wait(pid)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Result(status: status, output: output)
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Starts `argv` in the background, stdout and stderr appended to `output`, stdin from `input` (else /dev/null); returns its pid.
    public static func start(_ argv: [String], output: String, append: Bool = false, input: String? = nil) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let closeFrom = closeFromAction { _ = closeFrom(&actions, 3) }
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw Failure(description: "cannot run \(argv[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Waits for a child; its exit status, or 128 + signal.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Waits up to `timeout` seconds; nil if the child is still running.
    public static func wait(_ pid: pid_t, timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            if r < 0 && errno != EINTR { return -1 }
            if Date() >= deadline { return nil }
            usleep(20_000)
        }
    }

    // glibc ≥ 2.34 has it; Swift's Glibc module does not export it.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFromAction: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}
