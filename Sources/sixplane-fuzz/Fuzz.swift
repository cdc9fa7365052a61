import CFuzzDriver
import Foundation
import SixplaneFuzzTargets

// nonisolated(unsafe): libFuzzer and the replay loop call in from one thread only.
nonisolated(unsafe) private var runner: FuzzTarget.Runner!

private func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    runner.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// `sixplane-fuzz --target=NAME [libFuzzer flags] [corpus…]`. Built with `-sanitize=fuzzer` (scripts/fuzz.sh), this
/// runs libFuzzer over the target; built normally, it replays input files (a corpus, a crash) through it.
@main
struct Fuzz {
    static func main() {
        var arguments = CommandLine.arguments
        var name = ProcessInfo.processInfo.environment["SIXPLANE_FUZZ_TARGET"] ?? "wire"
        if let i = arguments.firstIndex(where: { $0.hasPrefix("--target=") }) {
            name = String(arguments.remove(at: i).dropFirst("--target=".count))
        }
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("error: no fuzz target \(name); the targets are \(names)\n".utf8))
            exit(2)
        }
        runner = FuzzTarget.Runner(target)
        // libFuzzer gets the arguments without ours.
        let cStrings = arguments.map { strdup($0) }
        var argv = cStrings + [nil]
        let status = argv.withUnsafeMutableBufferPointer { buffer in
            sixplane_run_fuzzer(Int32(arguments.count), buffer.baseAddress!, { fuzzOneInput($0, $1) })
        }
        if status != -1 { exit(status) }
        let paths = arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: sixplane-fuzz --target=NAME <input file or folder>...\n".utf8))
            exit(2)
        }
        var replayed = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("error: cannot read \(path)\n".utf8))
                exit(1)
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                runner.run(Array(data))
                replayed += 1
            }
        }
        print("\(target.rawValue): \(replayed) inputs replayed")
    }
}
