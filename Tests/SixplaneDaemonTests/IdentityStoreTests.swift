import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneTestSupport
import Testing

@Suite struct IdentityStoreTests {
    @Test func firstStartCreatesBothFilesThenReloads() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = IdentityStore(home: dir.path + "/home")
        var rng = SeededGenerator(seed: 1)
        let created = try store.loadOrCreate(using: &rng)
        #expect(created.isValid)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.secretPath)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(try String(contentsOfFile: store.secretPath, encoding: .utf8) == created.secretDescription)
        #expect(try String(contentsOfFile: store.publicPath, encoding: .utf8) == created.description)

        var other = SeededGenerator(seed: 2)
        let reloaded = try store.loadOrCreate(using: &other)
        #expect(reloaded == created && reloaded.secretKey == created.secretKey)
    }

    @Test func aZeroTierHomeDirectoryWorksAsItIs() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let text = try Fixtures.text("zt-1.14.1/identities/a.secret")
        try text.write(toFile: dir.file("identity.secret"), atomically: true, encoding: .utf8)
        var rng = SeededGenerator(seed: 3)
        let identity = try IdentityStore(home: dir.path).loadOrCreate(using: &rng)
        #expect(identity.address.description == "ccd3c55330")
        // identity.public was missing: it is written from the secret.
        #expect(try String(contentsOfFile: dir.file("identity.public"), encoding: .utf8) == identity.description)
    }

    @Test func wrongPublicFileIsRepaired() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Fixtures.text("zt-1.14.1/identities/a.secret").write(
            toFile: dir.file("identity.secret"), atomically: true, encoding: .utf8)
        try Fixtures.text("zt-1.14.1/identities/b.public").write(
            toFile: dir.file("identity.public"), atomically: true, encoding: .utf8)
        var rng = SeededGenerator(seed: 4)
        let identity = try IdentityStore(home: dir.path).loadOrCreate(using: &rng)
        #expect(try String(contentsOfFile: dir.file("identity.public"), encoding: .utf8) == identity.description)
    }

    @Test func invalidSecretIsFatalNotReplaced() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let bad = "9" + (try Fixtures.text("zt-1.14.1/identities/a.secret")).dropFirst()
        try bad.write(toFile: dir.file("identity.secret"), atomically: true, encoding: .utf8)
        var rng = SeededGenerator(seed: 5)
        let error = #expect(throws: DaemonError.self) { try IdentityStore(home: dir.path).loadOrCreate(using: &rng) }
        #expect(error?.kind == .invalidIdentity)
        #expect(error?.message.contains("identity.secret") == true)
        // The file is left for the operator to look at.
        #expect(try String(contentsOfFile: dir.file("identity.secret"), encoding: .utf8) == bad)
    }

    @Test func truncatedOrPublicOnlySecretFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = IdentityStore(home: dir.path)
        try "ccd3c55330:0:2d9b".write(toFile: store.secretPath, atomically: true, encoding: .utf8)
        #expect((#expect(throws: DaemonError.self) { try store.load() })?.kind == .invalidIdentity)
        try Fixtures.text("zt-1.14.1/identities/a.public").write(toFile: store.secretPath, atomically: true, encoding: .utf8)
        let error = #expect(throws: DaemonError.self) { try store.load() }
        #expect(error?.message.contains("no secret key") == true)
    }

    @Test func unreadableFiles() throws {
        #expect((#expect(throws: DaemonError.self) { try IdentityStore.read("/nonexistent/x") })?.kind == .fileUnreadable)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A directory where a file should be.
        try FileManager.default.createDirectory(atPath: dir.file("identity.secret"), withIntermediateDirectories: false)
        #expect(throws: DaemonError.self) { try IdentityStore(home: dir.path).load() }
        // Oversized files are refused, not read.
        let big = dir.file("big")
        try String(repeating: "a", count: 10_000).write(toFile: big, atomically: true, encoding: .utf8)
        #expect((#expect(throws: DaemonError.self) { try IdentityStore.read(big) })?.message.contains("larger than") == true)
    }

    @Test func saveRefusesPublicOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let identity = try Fixtures.testbedIdentity("b").publicOnly
        #expect(throws: DaemonError.self) { try IdentityStore(home: dir.path).save(identity) }
    }
}
