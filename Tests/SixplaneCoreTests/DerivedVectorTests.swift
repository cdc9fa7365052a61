import SixplaneCore
import SixplaneTestSupport
import Testing

/// The key, identity and signature vectors of `derived-vectors.md` (the packet-level ones belong to the wire codecs).
@Suite struct DerivedVectorTests {
    static let selftest = try! VectorFile(fixture: "selftest-vectors.md")
    static let derived = try! VectorFile(fixture: "derived-vectors.md")

    @Test func d1SharedKeyOfVectorZero() throws {
        let priv1 = try #require(Self.selftest.value("priv1", in: "C25519 vector 0"))
        let pub2 = try #require(Self.selftest.value("pub2", in: "C25519 vector 0"))
        let key48 = try #require(Self.derived.value("key48", in: "D1"))
        #expect(Array(try C25519.agree(secret: priv1, peerPublic: pub2).prefix(48)) == key48)
    }

    @Test func d7Signature() throws {
        let priv1 = try #require(Self.selftest.value("priv1", in: "C25519 vector 0"))
        let pub1 = try #require(Self.selftest.value("pub1", in: "C25519 vector 0"))
        let expected = try #require(Self.derived.value("sig96", in: "D7"))
        let message = Array("hello zerotier".utf8)
        #expect(try C25519.sign(secret: priv1, message: message) == expected)
        #expect(C25519.verify(publicKey: pub1, message: message, signature: expected))
    }

    @Test func d8IdentitiesAndTheirKey() throws {
        let a = try Identity(parsing: SelftestVectorTests.knownGood)
        let bText = try #require(
            Fixtures.text("derived-vectors.md").split(separator: "\n").first { $0.hasPrefix("B = ") }?.dropFirst(4))
        let b = try Identity(parsing: bText)
        #expect(b.address.description == "645d748bf8")
        try b.validate()
        let key = try #require(Self.derived.value("key48(A,B)", in: "D8"))
        #expect(try a.agree(with: b) == key)
        #expect(try b.agree(with: a) == key)
    }
}
