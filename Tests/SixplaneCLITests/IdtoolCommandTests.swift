import Foundation
import SixplaneCore
import SixplaneTestSupport
import Testing

/// `sixplane idtool …` run as a real process.
@Suite struct IdtoolCommandTests {
    static let knownGood =
        "8e4df28b72:0:ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb4c420908b803a681d4daef6114d78a2d7:bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bddd63a2f1cfa7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e"

    @Test func generateToFilesThenValidateAndGetPublic() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let secret = dir.file("identity.secret"), publicPath = dir.file("identity.public")
        let gen = try Command.sixplane("idtool", "generate", secret, publicPath)
        #expect(gen.status == 0, "\(gen.stderr)")
        #expect(gen.stdout == "\(secret) written\n\(publicPath) written\n")
        let mode = try FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let identity = try Identity(parsing: String(contentsOfFile: secret, encoding: .utf8))
        try identity.validate()
        #expect(try String(contentsOfFile: publicPath, encoding: .utf8) == identity.description)

        let validate = try Command.sixplane("idtool", "validate", secret)
        #expect(validate.status == 0)
        #expect(validate.stdout == "\(secret) is a valid identity\n")
        let getpublic = try Command.sixplane("idtool", "getpublic", secret)
        #expect(getpublic.stdout == identity.description + "\n")
        let json = try Command.sixplane("idtool", "getpublic", secret, "--json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["address"] as? String == identity.address.description)
        #expect(object?["secretIdentity"] == nil)
    }

    @Test func generateToStdout() throws {
        let result = try Command.sixplane("idtool", "generate")
        #expect(result.status == 0)
        let identity = try Identity(parsing: result.stdout)
        #expect(identity.hasSecret && identity.isValid)
        let json = try Command.sixplane("idtool", "generate", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let secret = try #require(object?["secretIdentity"] as? String)
        #expect(try Identity(parsing: secret).isValid)
    }

    @Test func validateLiteralGoodAndBad() throws {
        let good = try Command.sixplane("idtool", "validate", Self.knownGood)
        #expect(good.status == 0)
        let bad = try Command.sixplane("idtool", "validate", "9" + Self.knownGood.dropFirst())
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("error: "))
        #expect(bad.stderr.contains("FAILED validation"))
        let badJSON = try Command.sixplane("idtool", "validate", "9" + Self.knownGood.dropFirst(), "--json")
        #expect(badJSON.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(badJSON.stdout.utf8)) as? [String: Any]
        #expect((object?["identity"] as? [String: Any])?["valid"] as? Bool == false)
    }

    @Test func signThenVerify() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let message = dir.file("message.txt")
        try "hello zerotier".write(toFile: message, atomically: true, encoding: .utf8)
        let secret = dir.file("id.secret")
        try Self.knownGood.write(toFile: secret, atomically: true, encoding: .utf8)
        let sign = try Command.sixplane("idtool", "sign", secret, message)
        #expect(sign.status == 0)
        let signature = sign.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(signature.count == 192)
        let publicForm = String(Self.knownGood.split(separator: ":").prefix(3).joined(separator: ":"))
        let verify = try Command.sixplane("idtool", "verify", publicForm, message, signature)
        #expect(verify.status == 0)
        #expect(verify.stdout == "\(message) signature valid\n")
        // Signature from a file works too.
        let sigFile = dir.file("sig.hex")
        try signature.write(toFile: sigFile, atomically: true, encoding: .utf8)
        #expect(try Command.sixplane("idtool", "verify", publicForm, message, sigFile).status == 0)
        // One changed digit fails.
        let flipped = String(signature.dropLast()) + (signature.last == "0" ? "1" : "0")
        let bad = try Command.sixplane("idtool", "verify", publicForm, message, flipped)
        #expect(bad.status == 1)
        #expect(bad.stderr == "error: \(message) signature check FAILED\n")
        // Signing with a public identity is refused.
        let nosecret = try Command.sixplane("idtool", "sign", publicForm, message)
        #expect(nosecret.status == 1)
        #expect(nosecret.stderr.contains("does not contain a secret key"))
    }

    @Test(arguments: [
        (["idtool", "validate", "/nonexistent/identity.public"], "cannot read /nonexistent/identity.public"),
        (["idtool", "validate", "8e4df28b72:0:abcdef0123456789abcdef0123456789"], "expected 128 hex digits"),
        (["idtool", "getpublic", "8e4df28b72:7:abcdef0123456789abcdef0123456789:"], "unknown identity type '7'"),
        (["idtool", "sign"], "Missing expected argument"),
        (["idtool", "verify", knownGood, "/nonexistent", "00"], "cannot read /nonexistent"),
        (["idtool", "frobnicate"], "Unexpected argument 'frobnicate'"),
    ])
    func badInputIsAnErrorLine(arguments: [String], mentions: String) throws {
        let result = try Command.run(Command.sixplane, arguments)
        #expect(result.status == 1, "\(arguments)")
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(mentions), "stderr '\(result.stderr)' should mention '\(mentions)'")
        #expect(result.stdout.isEmpty)
    }

    @Test func verifyRejectsSignatureOfWrongLength() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let message = dir.file("m")
        try "x".write(toFile: message, atomically: true, encoding: .utf8)
        let result = try Command.sixplane("idtool", "verify", Self.knownGood, message, "abcd")
        #expect(result.status == 1)
        #expect(result.stderr.contains("signature must be 96 bytes"))
    }

    @Test func truncatedIdentityFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("identity.secret")
        try String(Self.knownGood.prefix(50)).write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Command.sixplane("idtool", "validate", path)
        #expect(result.status == 1)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("hex digits"))
    }
}

/// The same binary invoked through a link named `zerotier-idtool` behaves like that tool.
@Suite struct ZeroTierIdtoolPersonalityTests {
    static func link() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory()
        let link = dir.file("zerotier-idtool")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Command.sixplane)
        return (dir, link)
    }

    @Test func generateValidateGetpublicSignVerify() throws {
        let (dir, tool) = try Self.link()
        defer { dir.remove() }
        let gen = try Command.run(tool, ["generate"])
        #expect(gen.status == 0)
        #expect(!gen.stdout.hasSuffix("\n"), "zerotier-idtool prints the identity without a newline")
        let identity = try Identity(parsing: gen.stdout)
        #expect(identity.isValid)

        let secret = dir.file("identity.secret"), publicPath = dir.file("identity.public")
        let written = try Command.run(tool, ["generate", secret, publicPath])
        #expect(written.stdout == "\(secret) written\n\(publicPath) written\n")
        #expect(try Command.run(tool, ["validate", publicPath]).stdout == "\(publicPath) is a valid identity\n")
        let pub = try Command.run(tool, ["getpublic", secret])
        #expect(pub.stdout == (try String(contentsOfFile: publicPath, encoding: .utf8)))

        let message = dir.file("msg")
        try "payload".write(toFile: message, atomically: true, encoding: .utf8)
        let sig = try Command.run(tool, ["sign", secret, message])
        #expect(sig.stdout.count == 192 && !sig.stdout.hasSuffix("\n"))
        #expect(try Command.run(tool, ["verify", publicPath, message, sig.stdout]).stdout == "\(message) signature valid\n")
        let bad = try Command.run(tool, ["verify", publicPath, message, String(repeating: "0", count: 192)])
        #expect(bad.status == 1 && bad.stderr == "\(message) signature check FAILED\n")
    }

    @Test func errorsUseTheOriginalMessages() throws {
        let (dir, tool) = try Self.link()
        defer { dir.remove() }
        let missing = try Command.run(tool, ["validate", "/nonexistent"])
        #expect(missing.status == 1)
        #expect(missing.stderr == "Identity argument invalid or file unreadable: /nonexistent\n")
        let bad = try Command.run(tool, ["validate", "9" + IdtoolCommandTests.knownGood.dropFirst()])
        #expect(bad.stderr.hasSuffix("FAILED validation.\n"))
        let usage = try Command.run(tool, [])
        #expect(usage.status == 1 && usage.stdout.contains("Usage: "))
    }
}
