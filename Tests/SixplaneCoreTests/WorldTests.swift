import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct WorldTests {
    static let derived = try! VectorFile(fixture: "derived-vectors.md")

    /// D9: the built-in planet parses, verifies with its own key, and its roots validate.
    @Test func publicPlanet() throws {
        let world = PublicPlanet.world
        #expect(PublicPlanet.bytes.count == 570)
        #expect(world.kind == .planet && world.id == 149_604_618 && world.timestamp == 1_644_592_324_813)
        #expect(world.serialized == PublicPlanet.bytes)
        #expect(world.verify(signingKey: world.updatesMustBeSignedBy))
        let expected = [
            "cafe9efeb9": ["104.194.8.134/9993", "2605:9880:200:1200:30:571:e34:51/9993"],
            "778cde7190": ["103.195.103.66/9993", "2605:9880:400:c3:254:f2bc:a1f7:19/9993"],
            "62f865ae71": ["50.7.252.138/9993", "2001:49f0:d0db:2::2/9993"],
            "cafe04eba9": ["84.17.53.155/9993", "2a02:6ea0:d405::9993/9993"],
        ]
        #expect(world.roots.count == 4)
        for root in world.roots {
            #expect(expected[root.identity.address.description] == root.endpoints.map(\.description))
            #expect(root.identity.isValid)
        }
        // The vector file's hex is the same 570 bytes.
        let lines = try Fixtures.text("derived-vectors.md").split(separator: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("010000000008eac90a") })
        let hexLines = lines[start...].prefix { $0.allSatisfy(\.isHexDigit) }
        #expect(hex(hexLines.joined()) == PublicPlanet.bytes)
    }

    /// The testbed's custom planet: parsed as planet-check.txt says, and re-signed byte for byte.
    @Test func testbedPlanet() throws {
        let bytes = try Fixtures.data("zt-1.14.1/planet")
        let world = try World(bytes: bytes)
        #expect(bytes.count == 257)
        #expect(world.kind == .planet && world.id == 0x7e57_b0ed && world.timestamp == 1_795_924_215_226)
        #expect(world.roots.count == 1)
        #expect(world.roots[0].identity.address.description == "49471a9ee2")
        #expect(world.roots[0].endpoints.map(\.description) == ["10.77.0.1/9993"])
        #expect(world.serialized == bytes)
        let key = try Fixtures.data("zt-1.14.1/planet-signing/current.c25519")
        #expect(key.count == 128)
        let publicKey = Array(key[0..<64]), secretKey = Array(key[64..<128])
        #expect(world.updatesMustBeSignedBy == publicKey)
        #expect(world.verify(signingKey: publicKey))
        // Ed25519 is deterministic: signing again reproduces the file.
        #expect(try world.signed(secretKey: secretKey).serialized == bytes)
    }

    @Test func updateRules() throws {
        let key = try Fixtures.data("zt-1.14.1/planet-signing/current.c25519")
        let current = try World(bytes: try Fixtures.data("zt-1.14.1/planet"))
        var next = current
        next.timestamp += 1
        let signed = try next.signed(secretKey: Array(key[64...]))
        #expect(current.shouldBeReplaced(by: signed))
        #expect(!signed.shouldBeReplaced(by: current), "older")
        var otherID = signed
        otherID.id += 1
        #expect(!current.shouldBeReplaced(by: try otherID.signed(secretKey: Array(key[64...]))))
        // Signed by a key the current world did not name.
        var rng = SeededGenerator(seed: 1)
        let stranger = Identity.generate(using: &rng)
        #expect(!current.shouldBeReplaced(by: try next.signed(secretKey: stranger.secretKey!)))
        #expect(!current.shouldBeReplaced(by: PublicPlanet.world))
    }

    @Test func moonsRoundTrip() throws {
        var rng = SeededGenerator(seed: 2)
        let signer = Identity.generate(using: &rng)
        let root = try Fixtures.testbedIdentity("root").publicOnly
        let moon = try World(
            kind: .moon, id: root.address.rawValue, timestamp: 5, updatesMustBeSignedBy: signer.publicKey,
            roots: [.init(identity: root, endpoints: [.ipv4(IPv4Address(10, 0, 0, 1), port: 9993)])]
        ).signed(secretKey: signer.secretKey!)
        let parsed = try World(bytes: moon.serialized)
        #expect(parsed == moon && parsed.verify(signingKey: signer.publicKey))
    }

    @Test func malformedWorlds() throws {
        let bytes = try Fixtures.data("zt-1.14.1/planet")
        for cut in [0, 1, 80, 176, 177, 200, 256] {
            #expect(throws: WireError.self) { try World(bytes: Array(bytes.prefix(cut))) }
        }
        var badType = bytes
        badType[0] = 2
        #expect((#expect(throws: WireError.self) { try World(bytes: badType) })?.kind == .unknownType)
        var tooManyRoots = bytes
        tooManyRoots[177] = 5
        #expect((#expect(throws: WireError.self) { try World(bytes: tooManyRoots) })?.kind == .oversize)
        #expect(throws: WireError.self) { try World(bytes: bytes + [0]) }
    }
}
