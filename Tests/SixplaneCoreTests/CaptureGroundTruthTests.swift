import SixplaneCore
import SixplaneTestSupport
import Testing

/// Every datagram of the real ZeroTier One 1.14.1 captures: reassembled, authenticated, decrypted, decompressed and
/// decoded by Sixplane, checked against the independent decoding in `decoded/*.jsonl`, and re-encoded.
@Suite struct CaptureGroundTruthTests {
    static let testbed = try! Testbed()

    struct Decoded {
        var header: PacketHeader
        var opened: PacketCodec.Opened
        var message: Message
        var row: Testbed.DecodedRow
    }

    /// Runs a capture through the receive pipeline; returns every packet decoded, in order.
    static func decode(capture: String, decoded: String) throws -> [Decoded] {
        let datagrams = try Pcap(fixture: "zt-1.14.1/pcap/\(capture)").udp
        let rows = try Testbed.decodedRows("zt-1.14.1/decoded/\(decoded)")
        let reassembler = Reassembler()
        var rowIndex = 0
        var results: [Decoded] = []
        func nextRow() -> Testbed.DecodedRow {
            defer { rowIndex += 1 }
            return rows[rowIndex]
        }
        func process(_ packet: [UInt8]) throws {
            let row = nextRow()
            #expect(row.kind == "packet", "frame \(row.frame): expected a packet row")
            #expect(packet == row.wire, "frame \(row.frame): assembled bytes")
            let header = try PacketHeader(packet)
            let keys = try #require(testbed.keys(header.source, header.destination), "frame \(row.frame): pair keys")
            var copy = packet
            let opened = try PacketCodec.open(&copy, keys: keys).get()
            #expect(row.macOK == true)
            #expect(String(describing: opened.suite) == Self.suiteName(row.cipher), "frame \(row.frame): suite")
            let plaintext = [opened.verb] + opened.payload
            #expect(plaintext == row.plaintext, "frame \(row.frame) \(row.verb ?? ""): plaintext")

            // HELLO's moon list is still under cryptField in the decoded rows; open it to read the moons.
            var payload = opened.payload
            if opened.verb == Verb.hello.rawValue, let tail = Hello.tailOffset(payload: payload) {
                var whole = Array(packet[0..<Packet.payloadOffset]) + payload
                PacketArmor.cryptField(&whole, keys: keys, start: tail, length: whole.count - tail)
                payload = Array(whole[Packet.payloadOffset...])
            }
            let message = try Message(verb: opened.verb, payload: payload)
            #expect(message.payload == payload, "frame \(row.frame) \(row.verb ?? ""): re-encoding")
            #expect(Verb(rawValue: opened.verb).map { "\($0)" } == row.verb, "frame \(row.frame): verb name")
            results.append(Decoded(header: header, opened: opened, message: message, row: row))
        }
        for d in datagrams {
            let bytes = d.payload
            if bytes.count < Packet.minimumLength && !(bytes.count > 16 && bytes[13] == 0xff) {
                let row = nextRow()
                #expect(row.kind == "short" && row.wire == bytes, "frame \(row.frame): short datagram")
                continue
            }
            if bytes[13] == 0xff {
                let row = nextRow()
                #expect(row.kind == "fragment" && row.wire == bytes, "frame \(row.frame): fragment")
                var completed: [UInt8]?
                _ = bytes.withUnsafeBytes { raw in reassembler.receiveFragment(raw, now: d.time) { completed = Array($0) } }
                if let completed { try process(completed) }
                continue
            }
            if bytes[Packet.flagsOffset] & Packet.flagFragmented != 0 {
                let row = nextRow()
                #expect(row.kind == "fragment-head" && row.wire == bytes, "frame \(row.frame): head")
                var completed: [UInt8]?
                _ = bytes.withUnsafeBytes { raw in reassembler.receiveHead(raw, now: d.time) { completed = Array($0) } }
                if let completed { try process(completed) }
                continue
            }
            try process(bytes)
        }
        #expect(rowIndex == rows.count, "every decoded row was matched")
        #expect(reassembler.pending == 0)
        return results
    }

    static func suiteName(_ cipher: String?) -> String {
        switch cipher {
        case "POLY1305_NONE": "poly1305None"
        case "POLY1305_SALSA2012": "poly1305Salsa2012"
        case "AES_GMAC_SIV": "aesGMACSIV"
        default: "?"
        }
    }

    static let all = try! decode(capture: "00-all-underlay-br0.pcap", decoded: "00-all-underlay-br0.jsonl")
    static let nodeA = try! decode(capture: "01-a-underlay.pcap", decoded: "01-a-underlay.jsonl")

    /// How many packets of a verb the independent decoder saw in the full capture.
    static func rowCount(_ verb: String) -> Int { all.filter { $0.row.verb == verb }.count }

    @Test func everyPacketOfBothCapturesDecodes() {
        #expect(Self.all.count == 214)
        #expect(Self.nodeA.count == 112)
        let suites = Set(Self.all.map(\.opened.suite))
        #expect(suites == [.poly1305None, .poly1305Salsa2012, .aesGMACSIV], "all three suites occur")
        #expect(Self.all.contains { $0.opened.wasCompressed }, "LZ4 packets occur")
    }

    @Test func helloCarriesTheTestbedPlanetAndNoMoons() throws {
        var helloCount = 0
        for d in Self.all {
            guard case .hello(let hello) = d.message else { continue }
            helloCount += 1
            #expect(hello.protocolVersion == 12 && hello.major == 1 && hello.minor == 14 && hello.revision == 1)
            #expect(hello.identity.address == d.header.source)
            #expect(Self.testbed.identities[hello.identity.address] == hello.identity)
            #expect(hello.planetID == 0x7e57_b0ed && hello.planetTimestamp == 1_795_924_215_226)
            #expect(hello.moons.isEmpty)
        }
        #expect(helloCount == Self.rowCount("HELLO") && helloCount > 0)
    }

    @Test func whoisAnswersCarryValidIdentities() throws {
        var answers = 0
        for d in Self.all {
            guard case .ok(let inRe, .whois(let ok)) = d.message else { continue }
            #expect(inRe.verb == Verb.whois.rawValue)
            for id in ok.identities { #expect(Self.testbed.identities[id.address] == id) }
            answers += 1
        }
        #expect(answers > 0)
    }

    @Test func rendezvousPointsAtRealUnderlayAddresses() throws {
        let underlay: [String: String] = ["4073ceaa6b": "10.77.0.2/9993", "763cb11903": "10.77.0.12/9993", "ccd3c55330": "10.77.0.11/9993"]
        var seen = 0
        for d in Self.all {
            guard case .rendezvous(let r) = d.message else { continue }
            #expect(underlay[r.peer.description] == r.endpoint.description, "\(r.peer) at \(r.endpoint)")
            seen += 1
        }
        #expect(seen == Self.rowCount("RENDEZVOUS") && seen > 0)
    }

    /// The config ctl sent to a: both the OK(NETWORK_CONFIG_REQUEST) and the pushed NETWORK_CONFIG.
    static func configsFor(_ member: String) throws -> [(NetworkConfigChunk, NetworkConfig)] {
        let ctl = testbed.identity("ctl")
        return try all.compactMap { d -> (NetworkConfigChunk, NetworkConfig)? in
            let chunk: NetworkConfigChunk
            switch d.message {
            case .ok(_, .networkConfig(let c)), .networkConfig(let c): chunk = c
            default: return nil
            }
            guard d.header.destination.description == Testbed.address(member) else { return nil }
            #expect(chunk.verify(signer: ctl), "chunk signed by the controller")
            #expect(chunk.offset == 0 && chunk.totalLength == UInt32(chunk.data.count), "single chunk")
            return (chunk, try NetworkConfig(bytes: chunk.data))
        }
    }

    @Test(arguments: [
        ("a", "fc2b:b748:5acc:d3c5:5330::1/40", "fd40:73ce:aa6b:c486:f099:93cc:d3c5:5330/88", "10.78.0.234/24"),
        ("b", "fc2b:b748:5a76:3cb1:1903::1/40", "fd40:73ce:aa6b:c486:f099:9376:3cb1:1903/88", "10.78.0.125/24"),
    ])
    func configsMatchTheReadme(member: String, sixPlane: String, rfc4193: String, ipv4: String) throws {
        let configs = try Self.configsFor(member)
        #expect(configs.count >= 2, "OK and push for \(member)")
        let ctl = Self.testbed.identity("ctl")
        let me = Self.testbed.identity(member)
        for (chunk, config) in configs {
            #expect(config.network == Fixtures.testbedNetwork)
            #expect(config.issuedTo == me.address)
            #expect(config.name == "ref-6plane")
            #expect(!config.isPublic)
            #expect(config.mtu == 2800)
            #expect(config.multicastLimit == 32)
            #expect(config.rules == [.accept])
            #expect(config.version == 7)
            #expect(config.ndpEmulation && config.broadcastEnabled)
            #expect(Set(config.staticIPs.map(\.description)) == [sixPlane, rfc4193, ipv4])
            #expect(config.routes.map(\.target.description) == ["10.78.0.0/24"])
            let com = try #require(config.com)
            #expect(com.verify(controller: ctl))
            #expect(com.network == config.network && com.issuedTo == me.address)
            #expect(com.qualifiers.count == 7)
            #expect(com.qualifiers[0].maxDelta == UInt64(config.credentialTimeMaxDelta))
            // The ownership certificate lists exactly the static IPs.
            #expect(config.ownerships.count == 1)
            #expect(config.ownerships[0].verify(controller: ctl))
            for ip in config.staticIPs { #expect(config.ownerships[0].owns(ip.address)) }
            // Building the dictionary from the parsed fields gives back the signed bytes exactly.
            #expect(config.dictionary.encoded == chunk.data, "dictionary re-encoding")
        }
    }

    @Test func membersCertificatesAgree() throws {
        let a = try #require(try Self.configsFor("a").first?.1.com)
        let b = try #require(try Self.configsFor("b").first?.1.com)
        let aID = Self.testbed.identity("a"), bID = Self.testbed.identity("b")
        #expect(a.agrees(with: b, otherIdentity: bID))
        #expect(b.agrees(with: a, otherIdentity: aID))
        // Presented by the wrong identity, the key-hash qualifiers do not match.
        #expect(!a.agrees(with: b, otherIdentity: aID))
        // Too far apart in time.
        var stale = b
        stale.qualifiers[0].value -= a.qualifiers[0].maxDelta + 1
        #expect(!a.agrees(with: stale, otherIdentity: bID))
    }

    @Test func credentialsPushedBeforeFramesVerify() throws {
        let ctl = Self.testbed.identity("ctl")
        var seen = 0
        for d in Self.all {
            guard case .networkCredentials(let creds) = d.message else { continue }
            for com in creds.coms {
                #expect(com.verify(controller: ctl))
                #expect(com.issuedTo == d.header.source)
            }
            seen += 1
        }
        #expect(seen == Self.rowCount("NETWORK_CREDENTIALS") && seen > 0)
    }

    @Test func configRequestsCarryTheStandardMetadata() throws {
        var seen = 0
        for d in Self.all {
            guard case .networkConfigRequest(let request) = d.message else { continue }
            #expect(request.network == Fixtures.testbedNetwork)
            #expect(request.metadata.keys == ["v", "vend", "pv", "majv", "minv", "revv", "mr", "mc", "mcr", "mt", "f", "revr", "o"])
            #expect(request.metadata.integer("v") == 7 && request.metadata.integer("pv") == 12)
            // Ours is the same dictionary apart from the OS string.
            let ours = NetworkConfigRequest.standardMetadata(os: request.metadata.string("o") ?? "")
            #expect(ours.encoded == request.metadata.encoded)
            seen += 1
        }
        #expect(seen == Self.rowCount("NETWORK_CONFIG_REQUEST") && seen > 0)
    }

    @Test func framesAreBetweenMembersOnTheNetwork() throws {
        var frames = 0
        for d in Self.all {
            switch d.message {
            case .frame(let f):
                #expect(f.network == Fixtures.testbedNetwork)
                #expect([0x0800, 0x0806, 0x86dd].contains(f.etherType))
                frames += 1
            case .multicastFrame(let f):
                #expect(f.network == Fixtures.testbedNetwork && f.group.mac.isMulticast)
            default: break
            }
        }
        #expect(frames == Self.rowCount("FRAME") && frames > 0)
    }
}
