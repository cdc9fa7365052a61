import SixplaneCore
import SixplaneTestSupport
import Testing

/// ZeroTier 1.14.1's `selftest.cpp` vectors, read from the committed copy of `selftest-vectors.md`.
@Suite struct SelftestVectorTests {
    static let vectors = try! VectorFile(fixture: "selftest-vectors.md")

    @Test(arguments: [("Salsa20/20", 20), ("Salsa20/12", 12)])
    func salsa20Keystream(section: String, rounds: Int) throws {
        let key = try #require(Self.vectors.value("key", in: section))
        let iv = try #require(Self.vectors.value("iv", in: section))
        let expected = try #require(Self.vectors.value("ks", in: section))
        var cipher = Salsa20(key: key, nonce: iv, rounds: rounds)
        var block = [UInt8](repeating: 0, count: 64)
        cipher.crypt(&block)
        #expect(block == expected, "\(section) keystream")
        #expect(cipher.counter == 1)
    }

    @Test(arguments: ["TV0", "TV1"])
    func poly1305(vector: String) throws {
        let key = try #require(Self.vectors.value("\(vector) key", in: "Poly1305"))
        let message = try #require(Self.vectors.value("\(vector) msg", in: "Poly1305"))
        let tag = try #require(Self.vectors.value("\(vector) tag", in: "Poly1305"))
        #expect(Poly1305.tag(key: key, message: message) == tag, "Poly1305 \(vector)")
    }

    @Test func sha512() throws {
        let digest = try #require(Self.vectors.value("digest", in: "SHA-512"))
        #expect(Hashes.sha512(Array("supercalifragilisticexpealidocious".utf8)) == digest)
    }

    static let c25519Sections = vectors.sections(startingWith: "C25519 vector")

    @Test func thereAreThirtyTwoC25519Vectors() {
        #expect(Self.c25519Sections.count == 32)
    }

    @Test(arguments: c25519Sections)
    func c25519(section: String) throws {
        func value(_ name: String) throws -> [UInt8] { try #require(Self.vectors.value(name, in: section)) }
        let pub1 = try value("pub1"), priv1 = try value("priv1")
        let pub2 = try value("pub2"), priv2 = try value("priv2")
        let agreement = try value("agreement")
        #expect(try C25519.publicKey(secret: priv1) == pub1, "\(section): public key of priv1")
        #expect(try C25519.publicKey(secret: priv2) == pub2, "\(section): public key of priv2")
        #expect(try C25519.agree(secret: priv1, peerPublic: pub2) == agreement, "\(section): agree(1, 2)")
        #expect(try C25519.agree(secret: priv2, peerPublic: pub1) == agreement, "\(section): agree(2, 1)")
        let signed1 = try C25519.sign(secret: priv1, message: agreement)
        let signed2 = try C25519.sign(secret: priv2, message: agreement)
        #expect(signed1 == (try value("agreementSignedBy1")), "\(section): signature by 1")
        #expect(signed2 == (try value("agreementSignedBy2")), "\(section): signature by 2")
        #expect(C25519.verify(publicKey: pub1, message: agreement, signature: signed1))
        #expect(C25519.verify(publicKey: pub2, message: agreement, signature: signed2))
        #expect(!C25519.verify(publicKey: pub2, message: agreement, signature: signed1), "\(section): wrong signer")
    }

    static let knownGood =
        "8e4df28b72:0:ac3d46abe0c21f3cfe7a6c8d6a85cfcffcb82fbd55af6a4d6350657c68200843fa2e16f9418bbd9702cae365f2af5fb4c420908b803a681d4daef6114d78a2d7:bd8dd6e4ce7022d2f812797a80c6ee8ad180dc4ebf301dec8b06d1be08832bddd63a2f1cfa7b2c504474c75bdc8898ba476ef92e8e2d0509f8441985171ff16e"
    static let knownBad = "9" + knownGood.dropFirst()

    @Test func knownGoodIdentityValidates() throws {
        let identity = try Identity(parsing: Self.knownGood)
        #expect(identity.address.description == "8e4df28b72")
        #expect(
            identity.digest
                == hex(
                    "10b1afd388c4c1561f184ed54cd5bd012a1c8edf5a5975200bb15608dba0b5ebb9faa360a0c6bf99cf684e015bf5bda9d347a4867a5515fa48c6c58e4df28b72"
                ))
        try identity.validate()
        #expect(identity.secretDescription == Self.knownGood, "text form round trip")
    }

    @Test func knownBadIdentityParsesButFailsValidation() throws {
        let identity = try Identity(parsing: Self.knownBad)
        let error = #expect(throws: CryptoError.self) { try identity.validate() }
        #expect(error?.kind == .invalidIdentity)
        #expect(error?.message.contains("hashes to address 8e4df28b72") == true)
    }
}
