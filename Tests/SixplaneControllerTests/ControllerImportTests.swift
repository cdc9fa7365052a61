import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

/// `sixplane controller import <controller.d>` with the real 1.14.1 controller's records, into both stores.
@Suite struct ControllerImportTests {
    /// A controller.d laid out as ZeroTier's file database keeps it, plus records that must be refused.
    static func controllerD(_ dir: TemporaryDirectory) throws -> String {
        let root = dir.file("controller.d")
        let network = "4073ceaa6bc486f0"
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(root)/network/\(network)/member", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(root)/network/4073ceaa6b000099/member", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(root)/trace", withIntermediateDirectories: true)
        try Fixtures.text("zt-1.14.1/session/network.json").write(toFile: "\(root)/network/\(network).json", atomically: true, encoding: .utf8)
        for (name, address) in [("a", "ccd3c55330"), ("b", "763cb11903")] {
            try Fixtures.text("zt-1.14.1/session/ctl-member-\(name).json")
                .write(toFile: "\(root)/network/\(network)/member/\(address).json", atomically: true, encoding: .utf8)
        }
        try "{\"id\":".write(toFile: "\(root)/network/\(network)/member/0000000001.json", atomically: true, encoding: .utf8)
        try #"{"objtype":"network","id":"4073ceaa6bc486f0","nwid":"4073ceaa6bc486f0"}"#
            .write(toFile: "\(root)/network/\(network)/member/0000000002.json", atomically: true, encoding: .utf8)
        try #"{"objtype":"member","id":"0000000003","address":"0000000003","nwid":"4073ceaa6b000099"}"#
            .write(toFile: "\(root)/network/4073ceaa6b000099/member/0000000003.json", atomically: true, encoding: .utf8)
        return root
    }

    @Test(arguments: StoreKind.allCases)
    func importsAZeroTierControllerDatabase(kind: StoreKind) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let source = try Self.controllerD(dir)
        let db = try kind.database()
        let target = kind == .sqlite ? ["--home", URL(fileURLWithPath: db.location).deletingLastPathComponent().path] : ["--controller-db", db.location]
        let result = try Command.run(Command.sixplane, ["controller", "import", source, "--json"] + target)
        #expect(result.status == 1, "failures make the exit status 1: \(result.stderr)")
        let report = try #require(JSON(parsing: result.stdout))
        #expect(report["networks"] == 1 && report["members"] == 2)
        let failures = try #require(report["failures"]?.objectValue)
        #expect(failures.count == 3)
        #expect(failures.keys.contains { $0.hasSuffix("0000000001.json") } && failures.values.contains { $0.stringValue == "not a JSON object" })
        #expect(failures.values.contains { $0.stringValue == "objtype is network, not member" })
        #expect(failures.values.contains { $0.stringValue == "its network 4073ceaa6b000099 was not imported" })

        // Records come through as they were, field for field.
        let store = try db.open()
        let network = try #require(try store.network(Fixtures.testbedNetwork))
        #expect(network.json == JSON(parsing: try Fixtures.text("zt-1.14.1/session/network.json")))
        for (name, address) in [("a", "ccd3c55330"), ("b", "763cb11903")] {
            let member = try #require(try store.member(Fixtures.testbedNetwork, try Address(hex: address)))
            #expect(member.json == JSON(parsing: try Fixtures.text("zt-1.14.1/session/ctl-member-\(name).json")))
        }
        #expect(try store.ipOwner(Fixtures.testbedNetwork, try IPAddress(parsing: "10.78.0.234")) == (try Address(hex: "ccd3c55330")))

        // Importing again replaces and changes nothing.
        let again = try Command.run(Command.sixplane, ["controller", "import", source] + target)
        #expect(again.stdout == "imported 1 network(s) and 2 member(s)\n")
        #expect(try store.memberCounts(Fixtures.testbedNetwork) == (2, 2))
    }

    @Test func refusesWhatIsNotAControllerDatabase() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let r = try Command.run(Command.sixplane, ["controller", "import", dir.path, "--home", dir.file("home")])
        #expect(r.status == 1 && r.stderr.contains("is not a ZeroTier controller.d folder"))
        let bad = try Command.run(Command.sixplane, ["controller", "import", dir.path, "--controller-db", "mysql://x"])
        #expect(bad.status == 1 && bad.stderr.contains("postgresql://"))
    }
}
