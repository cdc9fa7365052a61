import Foundation
import SixplaneCNI
import SixplaneCore
import SixplaneJSON
import Testing

/// `sixplane cni install`: the plugin under its type name (a link, or a copy) and the conflist, idempotent, and
/// never over a file it did not make.
@Suite struct CNIInstallationTests {
    static func installation(_ dir: String) throws -> CNIInstallation {
        var i = CNIInstallation(network: try NetworkID(hex: "8056c2e21c000001"))
        i.confDir = dir + "/net.d"
        i.binDir = dir + "/bin"
        i.home = "/srv/sixplane"
        return i
    }

    @Test func linksOrCopiesAndWritesTheConflist() throws {
        let dir = NSTemporaryDirectory() + "cni-install-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let binary = dir + "/sixplane-binary"
        try Data("#!/bin/sh\necho plugin\n".utf8).write(to: URL(fileURLWithPath: binary))
        var i = try Self.installation(dir)

        let first = try i.install(binary: binary)
        #expect(first.count == 2)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/bin/sixplane") == binary)
        let conf = try #require(JSON(parsing: try String(contentsOfFile: dir + "/net.d/10-sixplane.conflist", encoding: .utf8)))
        #expect(conf["name"]?.stringValue == "sixplane" && conf["cniVersion"]?.stringValue == "1.0.0")
        let plugin = conf["plugins"]?.arrayValue?.first
        #expect(plugin?["type"]?.stringValue == "sixplane" && plugin?["network"]?.stringValue == "8056c2e21c000001")
        #expect(plugin?["home"]?.stringValue == "/srv/sixplane")
        #expect(try i.install(binary: binary).isEmpty, "a second install changes nothing")

        // --copy replaces the link with the binary's bytes, executable.
        i.copy = true
        #expect(try i.install(binary: binary) == ["copied \(binary) to \(dir)/bin/sixplane"])
        #expect(FileManager.default.contents(atPath: dir + "/bin/sixplane") == FileManager.default.contents(atPath: binary))
        #expect(FileManager.default.isExecutableFile(atPath: dir + "/bin/sixplane"))
        #expect(try i.install(binary: binary).isEmpty)

        // Without --copy, a file that is not our link is left alone.
        i.copy = false
        #expect(throws: CNIError.self) { try i.install(binary: binary) }
        #expect(FileManager.default.contents(atPath: dir + "/bin/sixplane") == FileManager.default.contents(atPath: binary))
        i.name = "../x"
        #expect(throws: CNIError.self) { try i.install(binary: binary) }
    }
}
