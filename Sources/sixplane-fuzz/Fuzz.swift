import CFuzzDriver
import Foundation
import SixplaneCore

/// One exerciser for the process, with a fixed peer key so that well-formed packets can get past the MAC check.
nonisolated(unsafe) private let exercise = ParserExercise(keys: PeerKeys(key48: [UInt8](repeating: 0x5a, count: 48)))
// nonisolated(unsafe): libFuzzer and the replay loop call in from one thread only.

/// Every parser the core has, on one input.
private func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    exercise.all(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Built with `-sanitize=fuzzer` (see the README), this runs libFuzzer over every parser. Built normally, it replays
/// input files (a corpus, a crash) through the same parsers and prints how each was received.
@main
struct Fuzz {
    static func main() {
        var argv = CommandLine.unsafeArgv
        let status = sixplane_run_fuzzer(CommandLine.argc, argv, { fuzzOneInput($0, $1) })
        if status != -1 { exit(status) }
        _ = argv
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: sixplane-fuzz <input file>...\n".utf8))
            exit(2)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("error: cannot read \(path)\n".utf8))
                exit(1)
            }
            exercise.all(Array(data))
        }
        for (name, n) in exercise.outcomes.sorted(by: { $0.key < $1.key }) { print("\(name) \(n)") }
    }
}
