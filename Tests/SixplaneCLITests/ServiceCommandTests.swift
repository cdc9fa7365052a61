import Foundation
import SixplaneCore
import SixplaneTestSupport
import Testing

/// The daemon-facing commands when there is no daemon, or bad arguments: clear errors, nothing hangs. (With a
/// daemon they are covered by the namespace tests.)
@Suite struct ServiceCommandTests {
    @Test func noDaemonRunningIsSaidPlainly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for command in [["info"], ["listnetworks"], ["listpeers"], ["peers"], ["join", "8056c2e21c000001"], ["network", "list"],
                        ["member", "list", "8056c2e21c000001"]] {
            let r = try Command.run(Command.sixplane, command + ["--home", dir.path])
            #expect(r.status == 1, "\(command)")
            #expect(r.stderr.contains("no daemon is running with home \(dir.path)"), "\(command): \(r.stderr)")
        }
    }

    /// The daemon options may come before the command too (`sixplane --home H info`, `-j --port P peers`).
    @Test func globalOptionsOnEitherSide() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for args in [["--home", dir.path, "info"], ["--home=\(dir.path)", "info"], ["-j", "--home", dir.path, "listnetworks"],
                     ["--home", dir.path, "member", "list", "8056c2e21c000001"], ["--home", dir.path, "dns"]] {
            let r = try Command.run(Command.sixplane, args)
            #expect(r.status == 1 && r.stderr.contains("no daemon is running with home \(dir.path)"), "\(args): \(r.stdout) \(r.stderr)")
        }
        // A token and a port given first reach the command as well: the port is the one tried.
        let tried = try Command.run(Command.sixplane, ["--token", "abc", "--port", "1", "--home", dir.path, "info"])
        #expect(tried.status == 1 && tried.stdout.contains("cannot connect to the daemon at 127.0.0.1:1"), "\(tried.stdout) \(tried.stderr)")
        // What is not a daemon option is still refused as before.
        let unknown = try Command.run(Command.sixplane, ["--bogus", "info"])
        #expect(unknown.status != 0)
    }

    @Test func aStalePortOrAnUnreadableTokenIsSaidPlainly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A port nothing listens on (bound, then closed).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: UInt32(0x7f00_0001).bigEndian), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        close(fd)
        let port = UInt16(bigEndian: addr.sin_port)
        try "\(port)\n".write(toFile: dir.file("zerotier-one.port"), atomically: true, encoding: .utf8)

        let noToken = try Command.run(Command.sixplane, ["info", "--home", dir.path])
        #expect(noToken.status == 1 && noToken.stderr.contains("cannot read the API token"), "\(noToken.stderr)")

        try "sometoken".write(toFile: dir.file("authtoken.secret"), atomically: true, encoding: .utf8)
        let refused = try Command.run(Command.sixplane, ["info", "--home", dir.path])
        #expect(refused.status == 1 && refused.stdout.contains("cannot connect to the daemon at 127.0.0.1:\(port)"), "\(refused.stdout)")

        try "not a port".write(toFile: dir.file("zerotier-one.port"), atomically: true, encoding: .utf8)
        let badPort = try Command.run(Command.sixplane, ["info", "--home", dir.path])
        #expect(badPort.status == 1 && badPort.stderr.contains("does not hold a port number"), "\(badPort.stderr)")
    }

    @Test func zerotierCLIPersonality() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let link = dir.file("zerotier-cli")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Command.sixplane)
        let help = try Command.run(link, ["-h"])
        #expect(help.status == 0 && help.stdout.contains("Usage: zerotier-cli"))
        #expect(try Command.run(link, ["-v"]).stdout == "1.14.1\n")
        #expect(try Command.run(link, ["-q"]).status == 2, "an unknown switch")
        #expect(try Command.run(link, ["-pabc", "info"]).status == 2, "a bad port")
        try "1\n".write(toFile: dir.file("zerotier-one.port"), atomically: true, encoding: .utf8)
        // -T gives the token, -D the home; nothing listens on port 1.
        let r = try Command.run(link, ["-D" + dir.path, "-Tabc", "info"])
        #expect(r.status == 1 && r.stdout.hasPrefix("Error connecting to the Sixplane daemon"), "\(r.stdout) \(r.stderr)")
        let badID = try Command.run(link, ["-D" + dir.path, "-Tabc", "join", "123"])
        #expect(badID.status == 2 && badID.stdout == "invalid network id\n")
        let setUsage = try Command.run(link, ["-D" + dir.path, "-Tabc", "set", "8056c2e21c000001"])
        #expect(setUsage.status == 2 && setUsage.stderr.contains("usage: set"))
    }

    @Test func badArgumentsAreRefusedBeforeAnythingRuns() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let cases: [([String], String)] = [
            (["daemon", "--log-level", "loud"], "--log-level"),
            (["daemon", "--port", "70000"], "--port"),
            (["orbit", "abc"], "seed"),
            (["network", "create", "--ipv4-pool", "10.0.0.0/31"], "--ipv4-pool"),
            (["network", "create", "--ipv4-pool", "2001:db8::/64"], "--ipv4-pool"),
        ]
        for (args, mentioned) in cases {
            let r = try Command.run(Command.sixplane, args + ["--home", dir.path], timeout: 20)
            #expect(r.status != 0 && r.stderr.contains(mentioned), "\(args): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "nothing ran")
    }
}

/// `sixplane mkworld`: planets and moons that parse, verify, and name the given roots.
@Suite struct MkworldCommandTests {
    @Test func aPlanetNamesItsRootsAndVerifies() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = try Fixtures.testbedIdentity("root"), ctl = try Fixtures.testbedIdentity("ctl")
        try root.description.write(toFile: dir.file("root.public"), atomically: true, encoding: .utf8)
        let r = try Command.run(Command.sixplane, [
            "mkworld", "--key", dir.file("key"), "--root", "\(dir.file("root.public"))=192.0.2.1/9993,2001:db8::1/9993",
            "--root", "\(ctl.publicOnly)=198.51.100.7/9993", "--id", "0x1234", "--timestamp", "42", "--out", dir.file("planet"),
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let world = try World(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("planet")))))
        #expect(world.kind == .planet && world.id == 0x1234 && world.timestamp == 42)
        #expect(world.roots.map(\.identity.address) == [root.address, ctl.address])
        #expect(world.roots[0].endpoints.map(\.description) == ["192.0.2.1/9993", "2001:db8::1/9993"])
        let key = Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("key"))))
        #expect(key.count == 128)
        #expect(try FileManager.default.attributesOfItem(atPath: dir.file("key"))[.posixPermissions] as? Int == 0o600)
        #expect(world.updatesMustBeSignedBy == Array(key[0..<64]) && world.verify(signingKey: Array(key[0..<64])))

        // An update: same id, later timestamp, same key → accepted by the first.
        let u = try Command.run(Command.sixplane, [
            "mkworld", "--key", dir.file("key"), "--root", "\(ctl.publicOnly)=198.51.100.8/9993", "--id", "0x1234", "--timestamp", "43",
            "--out", dir.file("planet2"),
        ])
        #expect(u.status == 0)
        let update = try World(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("planet2")))))
        #expect(world.shouldBeReplaced(by: update))
    }

    @Test func aMoonTakesItsFirstRootsAddressAsItsID() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = try Fixtures.testbedIdentity("root")
        let r = try Command.run(Command.sixplane, [
            "mkworld", "--moon", "--key", dir.file("key"), "--root", "\(root.publicOnly)=192.0.2.1/9993", "--out", dir.file("moon"), "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let world = try World(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: dir.file("moon")))))
        #expect(world.kind == .moon && world.id == root.address.rawValue)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["id"] as? String == Hex.encode(root.address.rawValue, digits: 16) && json?["type"] as? String == "moon")
    }

    @Test(arguments: [
        ["--root", "nonsense=192.0.2.1/9993"],
        ["--root", "ROOT=192.0.2.1"],
        ["--root", "ROOT=192.0.2.1/0"],
        ["--root", "ROOT=not-an-ip/9993"],
        ["--root", "ROOT"],
        ["--root", "ROOT=192.0.2.1/9993", "--id", "0"],
    ])
    func badRootsAndIDsAreRefused(arguments: [String]) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = try Fixtures.testbedIdentity("root").publicOnly.description
        let args = ["mkworld", "--key", dir.file("key"), "--out", dir.file("w")] + arguments.map { $0.replacingOccurrences(of: "ROOT", with: root) }
        let r = try Command.run(Command.sixplane, args)
        #expect(r.status != 0 && r.stderr.hasPrefix("error: "), "\(arguments): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("w")), "nothing written")
        #expect(!FileManager.default.fileExists(atPath: dir.file("key")), "no key made either")
    }

    @Test func aKeyFileOfTheWrongShapeIsRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.file("key")))
        let root = try Fixtures.testbedIdentity("root").publicOnly.description
        let r = try Command.run(Command.sixplane, ["mkworld", "--key", dir.file("key"), "--root", "\(root)=192.0.2.1/9993", "--out", dir.file("w")])
        #expect(r.status == 1 && r.stderr.contains("is not a key file"), "\(r.stderr)")
    }
}
