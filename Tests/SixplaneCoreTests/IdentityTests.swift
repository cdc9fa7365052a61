import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct IdentityTests {
    static let good = try! Identity(parsing: SelftestVectorTests.knownGood)

    @Test func generateRoundTripAndValidate() throws {
        var rng = SeededGenerator(seed: 2026)
        let identity = Identity.generate(using: &rng)
        try identity.validate()
        let parsed = try Identity(parsing: identity.secretDescription)
        #expect(parsed == identity)
        #expect(parsed.secretKey == identity.secretKey)
        try parsed.validate()
        let publicOnly = try Identity(parsing: identity.description)
        #expect(publicOnly == identity)
        #expect(!publicOnly.hasSecret)
        // Deterministic for a seed.
        var again = SeededGenerator(seed: 2026)
        #expect(Identity.generate(using: &again).secretDescription == identity.secretDescription)
    }

    @Test func signAndVerifyRoundTrip() throws {
        let message = Array("a network config chunk".utf8)
        let signature = try Self.good.sign(message)
        #expect(signature.count == 96)
        #expect(Self.good.publicOnly.verify(message, signature: signature))
        #expect(!Self.good.verify(message + [0], signature: signature), "other message")
        #expect(throws: CryptoError.self) { try Self.good.publicOnly.sign(message) }
    }

    @Test func everyFlippedSignatureBitFails() throws {
        let message = Array("tamper".utf8)
        let signature = try Self.good.sign(message)
        for bit in stride(from: 0, to: 96 * 8, by: 7) {
            var bad = signature
            bad[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(!Self.good.verify(message, signature: bad), "bit \(bit)")
        }
        #expect(!Self.good.verify(message, signature: Array(signature.prefix(95))), "short signature")
        #expect(!Self.good.verify(message, signature: signature + [0]), "long signature")
    }

    @Test(arguments: [0, 31, 32, 63])
    func flippedPublicKeyBitFailsValidation(byte: Int) throws {
        var key = Self.good.publicKey
        key[byte] ^= 0x10
        let tampered = try Identity(address: Self.good.address, publicKey: key)
        #expect(throws: CryptoError.self) { try tampered.validate() }
    }

    @Test func flippedAddressBitFailsValidation() throws {
        for bit in 0..<40 {
            let address = Address(truncating: Self.good.address.rawValue ^ (1 << UInt64(bit)))
            let tampered = try Identity(address: address, publicKey: Self.good.publicKey)
            #expect(!tampered.isValid, "address bit \(bit)")
        }
    }

    @Test func secretThatDoesNotMatchFailsValidation() throws {
        var secret = try #require(Self.good.secretKey)
        secret[40] ^= 1
        let mismatched = try Identity(address: Self.good.address, publicKey: Self.good.publicKey, secretKey: secret)
        let error = #expect(throws: CryptoError.self) { try mismatched.validate() }
        #expect(error?.message.contains("secret key does not match") == true)
    }

    @Test func binaryFormRoundTrip() throws {
        let bytes = Self.good.serialized()
        #expect(bytes.count == Identity.publicBinaryLength)
        #expect(bytes[0..<5] == [0x8e, 0x4d, 0xf2, 0x8b, 0x72])
        #expect(bytes[5] == 0 && bytes[70] == 0)
        var reader = ByteReader(bytes, context: "test")
        let parsed = try Identity(reading: &reader)
        #expect(parsed == Self.good && !parsed.hasSecret && reader.isAtEnd)

        let withSecret = Self.good.serialized(includingSecret: true)
        #expect(withSecret.count == 135)
        var reader2 = ByteReader(withSecret)
        #expect(try Identity(reading: &reader2).secretKey == Self.good.secretKey)
    }

    @Test func keyAgreementNeedsASecret() throws {
        #expect(throws: CryptoError.self) { try Self.good.publicOnly.agree(with: Self.good) }
    }

    @Test func lowOrderPeerKeyIsATypedError() throws {
        // The all-zero X25519 point gives the all-zero shared secret.
        let evil = try Identity(address: Address(truncating: 0x1122334455), publicKey: [UInt8](repeating: 0, count: 64))
        let error = #expect(throws: CryptoError.self) { try Self.good.agree(with: evil) }
        #expect(error?.kind == .keyAgreementFailed)
    }
}

/// Every way the text and binary forms can be wrong gives a typed error that names the problem.
@Suite struct IdentityBadInputTests {
    static let good = SelftestVectorTests.knownGood
    static let fields = good.split(separator: ":").map(String.init)

    @Test(arguments: [
        ("", WireError.Kind.truncated, "found 0 field"),
        ("8e4df28b72:0", .truncated, "found 2 field"),
        ("8e4df28b72:0:abcd", .wrongLength, "expected 128 hex digits"),
        ("8e4df28b72:1:\(fields[2])", .unknownType, "unknown identity type '1'"),
        ("8e4df28b7:0:\(fields[2])", .wrongLength, "exactly 10 hex digits"),
        ("0000000000:0:\(fields[2])", .reservedAddress, "reserved"),
        ("ff4df28b72:0:\(fields[2])", .reservedAddress, "reserved"),
        ("8e4df28b72:0:\(fields[2]):\(fields[3]):00", .malformed, "at most 4"),
        ("8e4df28b72:0:\(fields[2].dropLast())z", .invalidHex, "not a hex digit"),
        ("8e4df28b72:0:\(fields[2]):\(fields[3].dropLast(2))", .wrongLength, "secret key"),
        ("zz4df28b72:0:\(fields[2])", .invalidHex, "address"),
    ])
    func badText(text: String, kind: WireError.Kind, mentions: String) {
        let error = #expect(throws: WireError.self) { try Identity(parsing: text) }
        #expect(error?.kind == kind, "\(text.prefix(30))…")
        #expect(error?.message.contains(mentions) == true, "message '\(error?.message ?? "")' should mention '\(mentions)'")
    }

    @Test func trailingNewlineIsTolerated() throws {
        #expect(try Identity(parsing: Self.good + "\n").secretDescription == Self.good)
    }

    @Test func badBinary() throws {
        let bytes = try Identity(parsing: Self.good).serialized()
        for cut in [0, 4, 5, 6, 69, 70] {
            var reader = ByteReader(Array(bytes.prefix(cut)), context: "HELLO")
            let error = #expect(throws: WireError.self) { try Identity(reading: &reader) }
            #expect(error?.kind == .truncated, "cut at \(cut)")
            #expect(error?.message.hasPrefix("HELLO:") == true)
        }
        var unknownType = bytes
        unknownType[5] = 1
        var r1 = ByteReader(unknownType)
        #expect((#expect(throws: WireError.self) { try Identity(reading: &r1) })?.kind == .unknownType)
        var badSecretLength = bytes
        badSecretLength[70] = 32
        var r2 = ByteReader(badSecretLength + [UInt8](repeating: 0, count: 32))
        #expect((#expect(throws: WireError.self) { try Identity(reading: &r2) })?.kind == .wrongLength)
        var reserved = bytes
        reserved[0] = 0xff
        var r3 = ByteReader(reserved)
        #expect((#expect(throws: WireError.self) { try Identity(reading: &r3) })?.kind == .reservedAddress)
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0..<160, using: &rng)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var reader = ByteReader(bytes)
            _ = try? Identity(reading: &reader)
            let text = String(decoding: bytes.map { $0 % 2 == 0 ? UInt8(ascii: ":") : (0x30 + $0 % 0x40) }, as: UTF8.self)
            _ = try? Identity(parsing: text)
        }
    }
}
