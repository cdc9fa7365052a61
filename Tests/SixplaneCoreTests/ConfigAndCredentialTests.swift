import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct DictionaryTests {
    /// protocol-network.md §5.2: the escaped form of an `I` value.
    @Test func escapingExample() throws {
        let raw = hex("040a93110500180 6fc9c56c2e389e92ceee5000000000001 0028".replacingOccurrences(of: " ", with: ""))
        var d = ConfigDictionary()
        d.append("I", raw)
        let escaped = hex("045c6e931105 5c30 18 06fc9c56c2e389e92ceee5 5c305c305c305c305c30 01 5c30 28".replacingOccurrences(of: " ", with: ""))
        #expect(d.encoded == Array("I=".utf8) + escaped)
        #expect(try ConfigDictionary(parsing: d.encoded)["I"] == raw)
    }

    @Test func everyByteRoundTrips() throws {
        var d = ConfigDictionary()
        d.append("bin", (0...255).map(UInt8.init))
        d.append("n", string: "name=with\\odd\nchars")
        d.append("v", integer: 7)
        d.append("neg", signed: -5)
        d.append("id", address: try Address(hex: "ccd3c55330"))
        let parsed = try ConfigDictionary(parsing: d.encoded)
        #expect(parsed == d)
        #expect(parsed.integer("v") == 7 && parsed.string("v") == "0000000000000007")
        #expect(parsed.string("neg") == "-0000000000000005")
        #expect(!d.encoded.contains(0x0a) || d.encoded.split(separator: 0x0a).count == 5, "LF only separates entries")
        #expect(d.encoded.last != 0x0a, "no trailing LF")
    }

    @Test func firstKeyWinsAndGarbageIsSkipped() throws {
        let d = try ConfigDictionary(parsing: Array("a=1\nnoequals\na=2\n\n=x\nb=\\q".utf8))
        #expect(d.string("a") == "1")
        #expect(d.string("b") == "q", "unknown escape is the character itself")
        #expect(d.integer("missing") == nil)
    }
}

@Suite struct NetworkConfigTests {
    static let ctl = try! Fixtures.testbedIdentity("ctl")
    static let a = try! Fixtures.testbedIdentity("a")

    static func sample() throws -> NetworkConfig {
        var c = NetworkConfig(network: Fixtures.testbedNetwork, timestamp: 1_795_925_352_000, revision: 3, issuedTo: a.address)
        c.name = "test"
        c.multicastLimit = 32
        c.flags = NetworkConfig.flagEnableBroadcast | NetworkConfig.flagIPv6NDPEmulation
        c.rules = [.accept]
        c.staticIPs = [SixPlane(network: c.network, node: a.address).assignedAddress, try IPPrefix(parsing: "10.78.0.234/24")]
        c.routes = [.init(target: try IPPrefix(parsing: "10.78.0.0/24")), .init(target: try IPPrefix(parsing: "0.0.0.0/0"), via: try IPAddress(parsing: "10.78.0.1"))]
        c.specialists = [a.address.rawValue | NetworkConfig.specialistActiveBridge]
        c.dns = .init(domain: "zt.example", servers: [try IPAddress(parsing: "10.78.0.1")])
        c.com = try CertificateOfMembership(timestamp: c.timestamp, maxDelta: 1_800_000, network: c.network, issuedTo: a).signed(by: ctl)
        c.tags = [try Tag(network: c.network, timestamp: c.timestamp, id: 1, value: 42, issuedTo: a.address).signed(by: ctl)]
        c.capabilities = [try Capability(network: c.network, timestamp: c.timestamp, id: 7, rules: [.etherType(0x0800), .accept]).issued(to: a.address, by: ctl)]
        c.ownerships = [
            try CertificateOfOwnership(
                network: c.network, timestamp: c.timestamp, id: 1,
                things: [.ipv4(IPv4Address(10, 78, 0, 234)), .ipv6(SixPlane(network: c.network, node: a.address).address)],
                issuedTo: a.address
            ).signed(by: ctl)
        ]
        return c
    }

    @Test func buildParseRoundTrip() throws {
        let config = try Self.sample()
        let bytes = config.dictionary.encoded
        let parsed = try NetworkConfig(bytes: bytes)
        #expect(parsed == config)
        #expect(parsed.dictionary.encoded == bytes)
        #expect(parsed.com?.verify(controller: Self.ctl) == true)
        #expect(parsed.tags.first?.verify(controller: Self.ctl) == true)
        #expect(parsed.capabilities.first?.verify(controller: Self.ctl) == true)
        #expect(parsed.ownerships.first?.verify(controller: Self.ctl) == true)
        #expect(parsed.specialists(withRole: NetworkConfig.specialistActiveBridge) == [Self.a.address])
    }

    @Test(arguments: [
        ("nwid=0000000000000001\nid=ccd3c55330", "no version"),
        ("v=0000000000000005\nnwid=0000000000000001\nid=ccd3c55330", "legacy format"),
        ("v=0000000000000007\nid=ccd3c55330", "network id"),
        ("v=0000000000000007\nnwid=0000000000000000\nid=ccd3c55330", "network id"),
        ("v=0000000000000007\nnwid=0000000000000001", "issued-to"),
        ("v=0000000000000007\nnwid=0000000000000001\nid=ccd3c55330\nC=\\0", "COM"),
        ("v=0000000000000007\nnwid=0000000000000001\nid=ccd3c55330\nR=\\e", "rule"),
        ("v=0000000000000007\nnwid=0000000000000001\nid=ccd3c55330\nS=abc", "specialists"),
        ("v=0000000000000007\nnwid=0000000000000001\nid=ccd3c55330\nI=\\7", "address type"),
    ])
    func rejectedLikeARealNode(text: String, mentions: String) {
        let error = #expect(throws: WireError.self) { try NetworkConfig(bytes: Array(text.utf8)) }
        #expect(error?.message.contains(mentions) == true, "'\(error?.message ?? "")' should mention '\(mentions)'")
    }

    @Test func defaultsAndClamps() throws {
        let c = try NetworkConfig(bytes: Array("v=0000000000000006\nnwid=0000000000000001\nid=ccd3c55330\nmtu=0000000000000010".utf8))
        #expect(c.mtu == 1280 && c.multicastLimit == 0 && c.rules.isEmpty && c.dns == nil && !c.isPublic)
        let d = try NetworkConfig(bytes: Array("v=0000000000000006\nnwid=0000000000000001\nid=ccd3c55330".utf8))
        #expect(d.mtu == 2800)
    }

    @Test func chunkedAssemblyWithSignatures() throws {
        let dictionary = try Self.sample().dictionary.encoded
        let chunks = try NetworkConfigChunk.chunks(of: dictionary, network: Fixtures.testbedNetwork, updateID: 77, signer: Self.ctl, maxChunk: 300)
        #expect(chunks.count == (dictionary.count + 299) / 300 && chunks.count >= 3)
        var assembler = ConfigAssembler(network: Fixtures.testbedNetwork)
        var result: [UInt8]?
        for (i, chunk) in chunks.reversed().enumerated() {
            var wire: [UInt8] = []
            chunk.write(to: &wire)
            var r = ByteReader(wire)
            let parsed = try NetworkConfigChunk(reading: &r)
            #expect(parsed == chunk)
            switch assembler.add(parsed, controller: Self.ctl) {
            case .complete(let bytes): result = bytes
            case .incomplete: #expect(i < chunks.count - 1)
            case .rejected(let why): Issue.record("chunk rejected: \(why)")
            }
            if i == 0 { #expect(assembler.add(parsed, controller: Self.ctl) == .rejected(.duplicate)) }
        }
        #expect(result == dictionary)
    }

    @Test func forgedOrStrayChunksAreRejected() throws {
        let dictionary = try Self.sample().dictionary.encoded
        var chunk = try NetworkConfigChunk.chunks(of: dictionary, network: Fixtures.testbedNetwork, updateID: 1, signer: Self.ctl)[0]
        var assembler = ConfigAssembler(network: Fixtures.testbedNetwork)
        var tampered = chunk
        tampered.data[10] ^= 1
        #expect(assembler.add(tampered, controller: Self.ctl) == .rejected(.badSignature))
        // Signed by someone else (a member), claiming the controller's network.
        let forged = try NetworkConfigChunk.chunks(of: dictionary, network: Fixtures.testbedNetwork, updateID: 1, signer: Self.a)[0]
        #expect(assembler.add(forged, controller: Self.ctl) == .rejected(.badSignature))
        #expect(assembler.add(chunk, controller: Self.a) == .rejected(.wrongNetwork))
        chunk.totalLength = UInt32(ConfigAssembler.maxTotalLength + 1)
        #expect(assembler.add(chunk, controller: Self.ctl) == .rejected(.tooLarge))
    }
}

@Suite struct CredentialTests {
    static let ctl = try! Fixtures.testbedIdentity("ctl")
    static let a = try! Fixtures.testbedIdentity("a")
    static let b = try! Fixtures.testbedIdentity("b")

    @Test func comSignAgreeAndTamper() throws {
        let n = Fixtures.testbedNetwork
        let comA = try CertificateOfMembership(timestamp: 1000, maxDelta: 500, network: n, issuedTo: Self.a).signed(by: Self.ctl)
        let comB = try CertificateOfMembership(timestamp: 1400, maxDelta: 500, network: n, issuedTo: Self.b).signed(by: Self.ctl)
        #expect(comA.serialized.count == 272, "the controller's 7-qualifier COM is 272 bytes")
        #expect(comA.verify(controller: Self.ctl) && comB.verify(controller: Self.ctl))
        #expect(comA.agrees(with: comB, otherIdentity: Self.b))
        #expect(!comA.verify(controller: Self.a), "only the network's controller signs")
        var bytes = comA.serialized
        bytes[20] ^= 1
        #expect(!(try CertificateOfMembership(bytes: bytes)).verify(controller: Self.ctl))
        let other = try CertificateOfMembership(timestamp: 1000, maxDelta: 500, network: NetworkID(rawValue: n.rawValue + 1), issuedTo: Self.b).signed(by: Self.ctl)
        #expect(!comA.agrees(with: other, otherIdentity: Self.b), "other network")
    }

    @Test func credentialsRoundTripThroughNetworkCredentials() throws {
        let n = Fixtures.testbedNetwork
        let creds = NetworkCredentials(
            coms: [try CertificateOfMembership(timestamp: 5, maxDelta: 5, network: n, issuedTo: Self.a).signed(by: Self.ctl)],
            capabilities: [try Capability(network: n, timestamp: 5, id: 1, rules: [.drop]).issued(to: Self.a.address, by: Self.ctl)],
            tags: [try Tag(network: n, timestamp: 5, id: 2, value: 3, issuedTo: Self.a.address).signed(by: Self.ctl)],
            revocations: [try Revocation(id: 9, network: n, threshold: 100, target: Self.b.address).signed(by: Self.ctl)],
            ownerships: [try CertificateOfOwnership(network: n, timestamp: 5, id: 1, things: [.mac(MAC(rawValue: 0x02_1122_3344_55))], issuedTo: Self.a.address).signed(by: Self.ctl)])
        var payload: [UInt8] = []
        creds.write(to: &payload)
        let parsed = try NetworkCredentials(payload: payload)
        #expect(parsed == creds)
        #expect(parsed.revocations[0].verify(controller: Self.ctl))
        // Old senders stop after the COMs.
        var short: [UInt8] = []
        creds.coms[0].write(to: &short)
        short.append(0)
        #expect(try NetworkCredentials(payload: short).coms.count == 1)
    }

    @Test func malformedCredentials() {
        // COM version 2, qualifier count 9, out-of-order ids.
        #expect(throws: WireError.self) { try CertificateOfMembership(bytes: [2, 0, 0, 0, 0, 0, 0]) }
        #expect(throws: WireError.self) { try CertificateOfMembership(bytes: [1, 0, 9] + [UInt8](repeating: 0, count: 300)) }
        var unordered: [UInt8] = [1, 0, 2]
        unordered += [UInt8](repeating: 0, count: 7) + [5] + [UInt8](repeating: 0, count: 16)
        unordered += [UInt8](repeating: 0, count: 7) + [4] + [UInt8](repeating: 0, count: 16)
        unordered += [0, 0, 0, 0, 0]
        #expect(throws: WireError.self) { try CertificateOfMembership(bytes: unordered) }
        // A capability with a custody chain longer than it allows.
        var cap: [UInt8] = []
        Capability(network: NetworkID(rawValue: 1), timestamp: 0, id: 0, rules: []).write(to: &cap)
        cap.removeLast(7)  // drop terminator and extension length
        for _ in 0..<3 { cap += [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 0, 96] + [UInt8](repeating: 0, count: 96) }
        cap += [0, 0, 0, 0, 0, 0, 0]
        var r = ByteReader(cap)
        #expect(throws: WireError.self) { try Capability(reading: &r) }
    }
}

@Suite struct RulesEngineTests {
    static let n = Fixtures.testbedNetwork
    static let a = try! Address(hex: "ccd3c55330")
    static let b = try! Address(hex: "763cb11903")

    static func ipv6Frame(next: UInt8 = 58, source: String = "fc2b:b748:5acc:d3c5:5330::1", destination: String = "fc2b:b748:5a76:3cb1:1903::1", ports: (UInt16, UInt16)? = nil) throws -> RulesEngine.FrameInfo {
        var p = [UInt8](repeating: 0, count: 48)
        p[0] = 0x60
        p[6] = next
        p.replaceSubrange(8..<24, with: try IPv6Address(parsing: source).bytes)
        p.replaceSubrange(24..<40, with: try IPv6Address(parsing: destination).bytes)
        if let ports {
            p[40] = UInt8(ports.0 >> 8); p[41] = UInt8(ports.0 & 0xff)
            p[42] = UInt8(ports.1 >> 8); p[43] = UInt8(ports.1 & 0xff)
        } else {
            p[40] = 128  // echo request
        }
        return RulesEngine.FrameInfo(
            sourceAddress: a, destinationAddress: b, sourceMAC: MAC(node: a, network: n), destinationMAC: MAC(node: b, network: n),
            etherType: 0x86dd, payload: p, inbound: false)
    }

    @Test func acceptDropAndEmpty() throws {
        let f = try Self.ipv6Frame()
        #expect(RulesEngine.evaluate([.accept], f).0 == .accept)
        #expect(RulesEngine.evaluate([.drop], f).0 == .drop)
        #expect(RulesEngine.evaluate([], f).0 == .noMatch, "an empty table matches nothing: dropped")
    }

    /// The usual "drop what is not IPv4, ARP or IPv6, accept the rest" table, in its documented wire form.
    @Test func etherTypeWhitelist() throws {
        let rules = try Rule.decode(hex("a5020800a5020806a50286dd00000100"))
        #expect(rules.count == 5)
        #expect(Rule.encode(rules) == hex("a5020800a5020806a50286dd00000100"))
        var f = try Self.ipv6Frame()
        #expect(RulesEngine.evaluate(rules, f).0 == .accept)
        f.etherType = 0x88cc  // LLDP
        #expect(RulesEngine.evaluate(rules, f).0 == .drop)
    }

    @Test func sixPlaneScopedRules() throws {
        let plane = SixPlane(network: Self.n, node: Self.a)
        // Accept only ICMPv6 and TCP/UDP to port 80 from a's /80.
        let rules: [Rule] = [
            .ipv6Source(plane.hostPrefix.network.address.v6!, length: 80, not: true), .drop,
            .ipProtocol(58), .accept,
            .destinationPortRange(80...80), .accept,
            .drop,
        ]
        #expect(RulesEngine.evaluate(rules, try Self.ipv6Frame()).0 == .accept)
        #expect(RulesEngine.evaluate(rules, try Self.ipv6Frame(next: 6, ports: (40000, 80))).0 == .accept)
        #expect(RulesEngine.evaluate(rules, try Self.ipv6Frame(next: 6, ports: (40000, 22))).0 == .drop)
        #expect(RulesEngine.evaluate(rules, try Self.ipv6Frame(source: "fc2b:b748:5a76:3cb1:1903::9")).0 == .drop)
        // An IPv4 match on an IPv6 frame cannot apply: false even when negated.
        #expect(RulesEngine.evaluate([.ipv4Source(IPv4Address(10, 0, 0, 0), length: 8, not: true), .accept, .drop], try Self.ipv6Frame()).0 == .drop)
        // OR: either destination.
        let or: [Rule] = [.destinationAddress(Self.a), .destinationAddress(Self.b, or: true), .accept, .drop]
        #expect(RulesEngine.evaluate(or, try Self.ipv6Frame()).0 == .accept)
    }

    @Test func randomRuleBytesNeverCrash() {
        var rng = SeededGenerator(seed: 11)
        let f = try! Self.ipv6Frame(next: 6, ports: (1, 2))
        for _ in 0..<5000 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let rules = try? Rule.decode(bytes) { _ = RulesEngine.evaluate(rules, f) }
        }
    }
}

extension IPAddress {
    var v6: IPv6Address? {
        if case .v6(let a) = self { return a }
        return nil
    }
}
