import SixplaneCore
import SixplaneTestSupport
import Testing

/// Every verb, including those the captures do not contain: built, encoded, decoded, equal.
@Suite struct MessageRoundTripTests {
    static let n = Fixtures.testbedNetwork
    static let a = try! Fixtures.testbedIdentity("a")
    static let ctl = try! Fixtures.testbedIdentity("ctl")

    static func messages() throws -> [(String, Message)] {
        let com = try CertificateOfMembership(timestamp: 7, maxDelta: 9, network: n, issuedTo: a).signed(by: ctl)
        let group = MulticastGroup.solicitedNode(SixPlane(network: n, node: a.address).address)
        let v6 = InetAddress.ipv6(try IPv6Address(parsing: "2001:db8::1"), port: 9993)
        var meta = ConfigDictionary()
        meta.append("k", string: "v")
        return [
            ("NOP", .nop),
            ("HELLO", .hello(Hello(timestamp: 1, identity: a.publicOnly, destination: v6, planetID: 9, planetTimestamp: 10, moons: [WorldReference(type: 127, id: 5, timestamp: 0)]))),
            ("HELLO legacy", .hello(Hello(timestamp: 1, identity: a.publicOnly, destination: nil, planetID: nil, planetTimestamp: nil))),
            ("ERROR need COM", .error(ErrorMessage(inReplyTo: InReplyTo(verb: .frame, packetID: 3), code: .needMembershipCertificate, network: n))),
            ("ERROR unwanted", .error(ErrorMessage(inReplyTo: InReplyTo(verb: .multicastFrame, packetID: 3), code: .unwantedMulticast, detail: n.bytes + group.mac.bytes + [0, 0, 0, 0]))),
            ("OK HELLO", .ok(InReplyTo(verb: .hello, packetID: 4), .hello(HelloOK(timestamp: 2, observedAddress: v6, worldUpdates: PublicPlanet.bytes)))),
            ("OK WHOIS", .ok(InReplyTo(verb: .whois, packetID: 4), .whois(WhoisOK(identities: [a.publicOnly, ctl.publicOnly])))),
            ("OK GATHER", .ok(InReplyTo(verb: .multicastGather, packetID: 4), .multicastGather(MulticastGatherOK(network: n, group: group, results: GatherResults(totalKnown: 3, members: [a.address, ctl.address]))))),
            ("OK MCAST", .ok(InReplyTo(verb: .multicastFrame, packetID: 4), .multicastFrame(MulticastFrameOK(network: n, group: group, com: com, results: GatherResults(totalKnown: 1, members: [a.address]))))),
            ("OK EXT_FRAME", .ok(InReplyTo(verb: .extFrame, packetID: 4), .extFrame(n))),
            ("OK ECHO", .ok(InReplyTo(verb: .echo, packetID: 4), .echo([1, 2, 3]))),
            ("WHOIS", .whois(Whois(addresses: [a.address, ctl.address]))),
            ("RENDEZVOUS v6", .rendezvous(Rendezvous(peer: a.address, endpoint: v6))),
            ("FRAME", .frame(Frame(network: n, etherType: 0x86dd, data: [9, 9, 9]))),
            ("EXT_FRAME", .extFrame(ExtFrame(network: n, flags: ExtFrame.flagAckRequested, com: com, destination: MAC(node: ctl.address, network: n), source: MAC(node: a.address, network: n), etherType: 0x0800, data: [1]))),
            ("ECHO", .echo(Array("ping".utf8))),
            ("MULTICAST_LIKE", .multicastLike(MulticastLike(entries: [.init(network: n, group: group), .init(network: n, group: .arp(IPv4Address(10, 78, 0, 1)))]))),
            ("NETWORK_CREDENTIALS", .networkCredentials(NetworkCredentials(coms: [com]))),
            ("NETWORK_CONFIG_REQUEST", .networkConfigRequest(NetworkConfigRequest(network: n, metadata: meta))),
            ("NETWORK_CONFIG", .networkConfig(try NetworkConfigChunk.chunks(of: Array("v=7".utf8), network: n, updateID: 1, signer: ctl)[0])),
            ("MULTICAST_GATHER", .multicastGather(MulticastGather(network: n, group: group, gatherLimit: 33, com: com))),
            ("MULTICAST_FRAME", .multicastFrame(MulticastFrame(network: n, flags: MulticastFrame.flagReplicate, com: com, gatherLimit: 4, source: MAC(node: a.address, network: n), group: group, etherType: 0x86dd, data: [7]))),
            ("PUSH_DIRECT_PATHS", .pushDirectPaths(PushDirectPaths(paths: [.init(address: .ipv4(IPv4Address(10, 0, 0, 1), port: 9993)), .init(flags: 2, extensions: [1, 2], address: v6)]))),
            ("USER_MESSAGE", .userMessage(UserMessage(typeID: 0x1_0000, data: [1, 2]))),
            ("ACK", .ack(Ack(bytesReceived: 1234))),
            ("QOS_MEASUREMENT", .qosMeasurement(QoSMeasurement(records: [.init(packetID: 0x0102_0304_0506_0708, holdingTime: 5)]))),
            ("REMOTE_TRACE", .remoteTrace(RemoteTrace(traces: [meta, meta]))),
            ("PATH_NEGOTIATION_REQUEST", .pathNegotiationRequest(PathNegotiationRequest(utility: -3))),
            ("unknown verb", .opaque(verb: 0x1f, payload: [1, 2, 3])),
        ]
    }

    @Test func everyVerbRoundTrips() throws {
        let all = try Self.messages()
        for (name, message) in all {
            let decoded = try Message(verb: message.verb, payload: message.payload)
            #expect(decoded == message, "\(name)")
            #expect(decoded.payload == message.payload, "\(name) bytes")
        }
        let verbs = Set(all.map(\.1.verb))
        for verb in Verb.allCases { #expect(verbs.contains(verb.rawValue), "\(verb) covered") }
    }

    /// Through a whole packet: built, compressed where it pays, armored with each suite, opened.
    @Test func everyVerbThroughAPacket() throws {
        let keys = try PeerKeys(local: Self.a, peer: Self.ctl)
        for (name, message) in try Self.messages() {
            for suite in [CipherSuite.poly1305None, .poly1305Salsa2012, .aesGMACSIV] {
                var packet = PacketCodec.seal(
                    id: 0x1122_3344_5566_7788, destination: Self.ctl.address, source: Self.a.address, verb: message.verb,
                    payload: message.payload, suite: suite, keys: keys, compress: true)
                let opened = try PacketCodec.open(&packet, keys: keys).get()
                #expect(try Message(verb: opened.verb, payload: opened.payload) == message, "\(name) \(suite)")
            }
        }
    }

    @Test(arguments: [
        (Verb.whois, [UInt8]([1, 2, 3]), "no address"),
        (.rendezvous, [0, 1, 2, 3, 4, 5, 0, 80, 5, 1, 2, 3, 4, 5], "ip length 5"),
        (.multicastLike, [UInt8](repeating: 0, count: 17), "18-byte"),
        (.networkConfig, [0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 65], "legacy"),
        (.ack, [0, 0, 0, 1, 0], "trailing"),
        (.qosMeasurement, [UInt8](repeating: 0, count: 11), "ten-byte"),
        (.hello, [12, 1, 14, 0, 1], "needs 8 bytes"),
    ])
    func malformedPayloadsNameTheProblem(verb: Verb, payload: [UInt8], mentions: String) {
        let error = #expect(throws: WireError.self) { try Message(verb: verb.rawValue, payload: payload) }
        #expect(error?.message.contains(mentions) == true, "'\(error?.message ?? "")' should mention '\(mentions)'")
    }
}
