import SixplaneCore
import SixplaneTestSupport
import Testing

/// The packet-level vectors of `derived-vectors.md` (D1–D5, D8): every cipher suite reproduced byte for byte.
@Suite struct ArmorVectorTests {
    static let selftest = try! VectorFile(fixture: "selftest-vectors.md")
    static let derived = try! VectorFile(fixture: "derived-vectors.md")

    static func d1Keys() throws -> PeerKeys {
        PeerKeys(key48: try #require(derived.value("key48", in: "D1")))
    }

    @Test func d1KBKDF() throws {
        let key48 = try #require(Self.derived.value("key48", in: "D1"))
        let label0 = try #require(Self.derived.entries.first { $0.name.hasPrefix("KBKDF label '0'") }?.bytes)
        let label1 = try #require(Self.derived.entries.first { $0.name.hasPrefix("KBKDF label '1'") }?.bytes)
        #expect(AESGMACSIV.deriveKey(key48, label: UInt8(ascii: "0")) == label0)
        #expect(AESGMACSIV.deriveKey(key48, label: UInt8(ascii: "1")) == label1)
        let keys = try Self.d1Keys()
        #expect(keys.aes.k0 == Array(label0.prefix(32)))
        #expect(keys.aes.k1 == Array(label1.prefix(32)))
    }

    /// The testbed's K0/K1 for every pair (derived-keys.txt).
    @Test func testbedAESKeys() throws {
        let text = try Fixtures.text("zt-1.14.1/derived-keys.txt")
        var key48: [UInt8] = []
        var checked = 0
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("K  = ") { key48 = hex(String(line.dropFirst(5))) }
            if line.hasPrefix("K0 = ") {
                #expect(AESGMACSIV(key48: key48).k0 == hex(String(line.dropFirst(5))))
                checked += 1
            }
            if line.hasPrefix("K1 = ") { #expect(AESGMACSIV(key48: key48).k1 == hex(String(line.dropFirst(5)))) }
        }
        #expect(checked == 6)
    }

    /// D2 suite 1, D3 suite 0, D4 suite 3: armor reproduces the wire bytes, dearmor gives the plaintext back.
    @Test(arguments: [(0, CipherSuite.poly1305Salsa2012), (1, .poly1305None), (2, .aesGMACSIV)])
    func d2d3d4EchoThreeWays(index: Int, suite: CipherSuite) throws {
        let keys = try Self.d1Keys()
        let plain = try #require(Self.derived.value("plain", in: "D2-D4"))
        let wire = Self.derived.values("wire", in: "D2-D4")[index]
        var packet = plain
        PacketArmor.armor(&packet, suite: suite, keys: keys)
        #expect(packet == wire, "armor with \(suite)")

        var received = wire
        let result = PacketArmor.dearmor(&received, keys: keys)
        #expect(try result.get() == suite)
        // Everything after the MAC is the plaintext again; suite 3 keeps its tag half as the id.
        #expect(Array(received[27...]) == Array(plain[27...]))
        #expect(Array(received[8..<18]) == Array(plain[8..<18]))
    }

    @Test(arguments: [0, 1, 2])
    func everyFlippedBitFailsTheMAC(index: Int) throws {
        let keys = try Self.d1Keys()
        let wire = Self.derived.values("wire", in: "D2-D4")[index]
        for bit in 0..<(wire.count * 8) {
            let byte = bit / 8
            // Hop bits are the one part relays may change: not authenticated.
            if byte == 18 && bit % 8 < 3 { continue }
            var tampered = wire
            tampered[byte] ^= 1 << UInt8(bit % 8)
            let result = PacketArmor.dearmor(&tampered, keys: keys)
            switch result {
            case .success: Issue.record("bit \(bit) of vector \(index) flipped and still accepted")
            case .failure: break
            }
        }
    }

    @Test func hopCountIsNotAuthenticated() throws {
        let keys = try Self.d1Keys()
        for index in 0..<3 {
            var relayed = Self.derived.values("wire", in: "D2-D4")[index]
            relayed[18] = (relayed[18] & 0xf8) | 2
            #expect((try? PacketArmor.dearmor(&relayed, keys: keys).get()) != nil, "vector \(index) with hops=2")
        }
    }

    @Test func d5CryptField() throws {
        let keys = try Self.d1Keys()
        let afters = Self.derived.values("after", in: "D5")
        #expect(afters.count == 2)
        for after in afters {
            var packet = Array(after.prefix(48)) + hex("1415161718191a1b1c1d1e1f2021222324252627")
            PacketArmor.cryptField(&packet, keys: keys, start: 48, length: 20)
            #expect(packet == after)
            PacketArmor.cryptField(&packet, keys: keys, start: 48, length: 20)
            #expect(Array(packet[48...]) == hex("1415161718191a1b1c1d1e1f2021222324252627"), "involution")
        }
    }

    @Test func d8HelloOkEcho() throws {
        let a = try Identity(parsing: SelftestVectorTests.knownGood)
        let bLine = try #require(Fixtures.text("derived-vectors.md").split(separator: "\n").first { $0.hasPrefix("B = ") })
        let b = try Identity(parsing: bLine.dropFirst(4))
        let keys = try PeerKeys(local: a, peer: b)
        #expect(keys.key48 == (try #require(Self.derived.value("key48(A,B)", in: "D8"))))

        // HELLO: cryptField over the moon count, then suite 0.
        var hello = try #require(Self.derived.value("plain (before cryptField)", in: "D8"))
        PacketArmor.cryptField(&hello, keys: keys, start: hello.count - 2, length: 2)
        #expect(hello == (try #require(Self.derived.value("after cryptField (last 2B)", in: "D8"))))
        PacketArmor.armor(&hello, suite: .poly1305None, keys: keys)
        #expect(hello == (try #require(Self.derived.value("wire (suite 0, MAC set)", in: "D8"))))

        // OK(HELLO) suite 1 and ECHO suite 3, in the other direction too.
        let plains = Self.derived.values("plain", in: "D8")
        let wires = Self.derived.values("wire", in: "D8")
        #expect(plains.count == 2 && wires.count == 2)
        for (plain, suite) in zip(plains, [CipherSuite.poly1305Salsa2012, .aesGMACSIV]) {
            var packet = plain
            let bKeys = try PeerKeys(local: b, peer: a)
            PacketArmor.armor(&packet, suite: suite, keys: suite == .poly1305Salsa2012 ? bKeys : keys)
            #expect(wires.contains(packet), "\(suite)")
        }
    }

    @Test func tooShortAndUnknownSuites() throws {
        let keys = try Self.d1Keys()
        var short = [UInt8](repeating: 0, count: 27)
        #expect(PacketArmor.dearmor(&short, keys: keys) == .failure(.tooShort))
        for suite: UInt8 in [2, 4, 5, 6, 7] {
            var packet = Self.derived.values("wire", in: "D2-D4")[0]
            packet[18] = suite << 3
            #expect(PacketArmor.dearmor(&packet, keys: keys) == .failure(.unsupportedSuite), "suite \(suite)")
        }
    }

    @Test func roundTripsAtEveryLength() throws {
        let keys = try Self.d1Keys()
        var rng = SeededGenerator(seed: 3)
        for length in [28, 29, 91, 92, 93, 219, 220, 221, 284, 285, 1432, 2900, Packet.maxLength] {
            for suite in [CipherSuite.poly1305None, .poly1305Salsa2012, .aesGMACSIV] {
                let plain = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                var packet = plain
                packet[18] = 0
                let expected = packet
                PacketArmor.armor(&packet, suite: suite, keys: keys)
                #expect(try PacketArmor.dearmor(&packet, keys: keys).get() == suite)
                #expect(Array(packet[27...]) == Array(expected[27...]), "\(suite) length \(length)")
            }
        }
    }
}
