import SixplaneCore
import SixplaneDaemon

/// `sixplane` invoked as `zerotier-idtool`: that tool's arguments, output and exit codes, so scripts written for it
/// keep working. (The help text names Sixplane instead of ZeroTier's copyright notice.)
enum ZeroTierIdtool {
    static func run(_ argv: [String]) -> Int32 {
        let program = argv.first ?? "zerotier-idtool"
        guard argv.count >= 2 else { return help(program) }
        switch argv[1] {
        case "generate": return generate(argv)
        case "validate":
            guard argv.count >= 3 else { return help(program) }
            guard let id = load(argv[2]) else { return unreadable(argv[2]) }
            if id.isValid {
                Output.line("\(argv[2]) is a valid identity")
                return 0
            }
            Output.error("\(argv[2]) FAILED validation.")
            return 1
        case "getpublic":
            guard argv.count >= 3 else { return help(program) }
            guard let id = load(argv[2]) else { return unreadable(argv[2]) }
            Output.raw(id.description)
            return 0
        case "sign":
            guard argv.count >= 4 else { return help(program) }
            guard let id = load(argv[2]) else { return unreadable(argv[2]) }
            guard id.hasSecret else {
                Output.error("\(argv[2]) does not contain a private key (must use private to sign)")
                return 1
            }
            guard let message = try? FileIO.read(argv[3]) else {
                Output.error("\(argv[3]) is not readable")
                return 1
            }
            Output.raw(Hex.encode((try? id.sign(message)) ?? []))
            return 0
        case "verify":
            guard argv.count >= 5 else { return help(program) }
            guard let id = load(argv[2]) else { return unreadable(argv[2]) }
            guard let message = try? FileIO.read(argv[3]) else {
                Output.error("\(argv[3]) is not readable")
                return 1
            }
            // Like the original: the signature literally, else a file holding its hex.
            let literal = (try? Hex.decode(argv[4])) ?? []
            let fromFile = (try? FileIO.readText(argv[4], limit: 4096)).flatMap { try? Hex.decode($0.trimmingWhitespace()) }
            if id.verify(message, signature: literal) || fromFile.map({ id.verify(message, signature: $0) }) == true {
                Output.line("\(argv[3]) signature valid")
                return 0
            }
            Output.error("\(argv[3]) signature check FAILED")
            return 1
        default:
            return help(program)
        }
    }

    private static func generate(_ argv: [String]) -> Int32 {
        var vanity: UInt64 = 0
        var vanityBits = 0
        if argv.count >= 5 {
            vanityBits = min(40, 4 * argv[4].utf8.count)
            vanity = (try? Hex.decodeInteger(argv[4], what: "vanity", maxDigits: 16)).map { $0 & Address.mask } ?? 0
        }
        var rng = SystemRandomNumberGenerator()
        var id: Identity
        while true {
            id = Identity.generate(using: &rng)
            if vanityBits == 0 { break }
            if id.address.rawValue >> UInt64(40 - vanityBits) == vanity {
                Output.error("vanity address: found \(id.address) !")
                break
            }
            Output.error(
                "vanity address: tried \(id.address) looking for first \(vanityBits) bits of \(Hex.encode(vanity << UInt64(40 - vanityBits), digits: 10))")
        }
        guard argv.count >= 3 else {
            Output.raw(id.secretDescription)
            return 0
        }
        do {
            try FileIO.write(argv[2], text: id.secretDescription, mode: 0o600)
        } catch {
            Output.error("Error writing to \(argv[2])")
            return 1
        }
        Output.line("\(argv[2]) written")
        if argv.count >= 4 {
            do {
                try FileIO.write(argv[3], text: id.description, mode: 0o644)
            } catch {
                Output.error("Error writing to \(argv[3])")
                return 1
            }
            Output.line("\(argv[3]) written")
        }
        return 0
    }

    private static func load(_ argument: String) -> Identity? {
        try? IdentityArgument.load(argument)
    }

    private static func unreadable(_ argument: String) -> Int32 {
        Output.error("Identity argument invalid or file unreadable: \(argument)")
        return 1
    }

    private static func help(_ program: String) -> Int32 {
        Output.raw(
            """
            \(program) (Sixplane, compatible with zerotier-idtool \(Version.compatible))
            Usage: \(program) <command> [<args>]

            Commands:
              generate [<identity.secret>] [<identity.public>] [<vanity>]
              validate <identity.secret/public>
              getpublic <identity.secret>
              sign <identity.secret> <file>
              verify <identity.secret/public> <file> <signature>

            """)
        return 1
    }
}
