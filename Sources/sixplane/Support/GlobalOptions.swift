/// The daemon-facing options people type before the command, as with docker, git and zerotier-cli (`sixplane --home
/// /var/lib/x info`): moved after the command words, where each command reads them. Everything from the first
/// word that is not one of them (the command) on is kept in order; a `--` ends the moving.
enum GlobalOptions {
    /// Options with a value (`--home H` or `--home=H`), and flags.
    static let valued: Set<String> = ["--home", "--port", "--token"]
    static let flags: Set<String> = ["-j", "--json"]

    static func reorder(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if valued.contains(name) {
                if a.contains("=") {
                    moved.append(a)
                    i += 1
                } else {
                    guard i + 1 < arguments.count else { break }
                    moved += [a, arguments[i + 1]]
                    i += 2
                }
            } else if flags.contains(a) {
                moved.append(a)
                i += 1
            } else {
                break
            }
        }
        guard !moved.isEmpty, i < arguments.count else { return arguments }
        var rest = Array(arguments[i...])
        if let end = rest.firstIndex(of: "--") { rest.insert(contentsOf: moved, at: end) } else { rest += moved }
        return rest
    }
}
