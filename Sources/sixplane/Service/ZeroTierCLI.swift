import Foundation
import SixplaneDaemon

/// The `zerotier-cli` personality: its switches (`-j`, `-p<port>`, `-D<home>`, `-T<token>`, `-H<ip>`, `-v`, `-h`)
/// and commands, so scripts written for ZeroTier One run unchanged against a Sixplane daemon.
enum ZeroTierCLI {
    static func run(_ argv: [String]) -> Int32 {
        var json = false
        var port: Int?
        var home = ProcessInfo.processInfo.environment["ZEROTIER_HOME"] ?? ServiceOptions.defaultHome
        var token: String?
        var host = "127.0.0.1"
        var rest: [String] = []
        for arg in argv.dropFirst() {
            guard rest.isEmpty, arg.hasPrefix("-"), arg.count >= 2 else {
                rest.append(arg)
                continue
            }
            let flag = arg.dropFirst().first!, value = String(arg.dropFirst(2))
            switch flag {
            case "j": json = true
            case "p":
                guard let p = Int(value), (1...65535).contains(p) else { return usage("bad port: \(value)") }
                port = p
            case "D": home = value
            case "T": token = value
            case "H": host = value
            case "v":
                Output.line(Version.compatible)
                return 0
            case "h", "?":
                return usage(nil)
            default:
                return usage("unknown switch: \(arg)")
            }
        }
        guard let command = rest.first else { return usage(nil) }
        let client: ServiceClient
        do {
            client = try ServiceClient(home: Home(path: home), port: port, token: token, host: host)
        } catch {
            Output.error(error.description)
            return 1
        }
        return ServiceCLI(client: client, json: json).run(command, Array(rest.dropFirst()))
    }

    static func usage(_ problem: String?) -> Int32 {
        if let problem { Output.error(problem) }
        Output.line(
            """
            Sixplane \(Version.sixplane) (zerotier-cli \(Version.compatible) compatible)
            Usage: zerotier-cli [-switches] <command/path> [<args>]
              -j -p<port> -D<home> -T<token> -H<ip> -v -h
            Commands: info, listpeers, peers, listnetworks, join <network>, leave <network>,
              set <network> <setting>=<value>, get <network> <field>, listmoons, orbit <world> <seed>, deorbit <world>,
              /<path> (raw GET)
            """)
        return problem == nil ? 0 : 2
    }
}
