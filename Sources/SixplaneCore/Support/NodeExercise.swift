/// Drives a real `Node` with untrusted input past the MAC: the node (identity `a` of the 1.14.1 capture testbed)
/// has joined network 4073ceaa6bc486f0 of controller `ctl` and knows member `b`, whose credentials it holds, so
/// whatever the input says is sealed with the right keys and reaches the verb handlers, frames, source checks,
/// NDP emulation, rules, multicast and config assembly. The fuzz target `node` and the corpus replay in the tests
/// run it. Each input gets a fresh node, so a crash replays from its input alone.
///
/// An input is a sequence of records: a kind byte, a 2-byte big-endian length, and that many bytes (the last
/// record may be shorter). Kinds (the byte modulo 7; the quotient picks the cipher suite where one is needed):
/// 0, a message from b (first byte the verb, 0x80 set to compress); 1, a raw datagram from b's address; 2, a frame
/// from our tap (destination MAC, then EtherType and payload; the source is our MAC); 3, time passes (two bytes of
/// milliseconds) and the node ticks; 4, a config dictionary pushed by the controller in signed chunks; 5, a message
/// from the controller; 6, an OK from b answering the last packet the node sent it (first byte the verb answered).
/// After every input each of the node's tables must be within its bound.
public final class NodeExercise {
    public static let network = NetworkID(rawValue: 0x4073_ceaa_6bc4_86f0)
    static let a = try! Identity(parsing: "ccd3c55330:0:2d9be477e4cfe866470a4dc988a1941b95c2beb82356f74f1bea3dd7e0e2d1756cac8a9a24d44f9f5621771d4808c2152e96c742acd3fc8c381cea35fa981a90:f8c5ccbd2118012f1ec601b01dbf2a7bb9baf54ba016b6ace73500e58ec8aebfea1c356c332e6e82d557185697055b50f0da51ebacee85e5848ed6e4c4b57e76")
    static let b = try! Identity(parsing: "763cb11903:0:4c5b89a9a133d82d14be387771d4fa0c80bfa5909746e9ec843b3975a0cf9b27a16db8ee04e24e376fa6dd4bf034d5488b75a256133bbdd2f686ce5dd756c52d:0abd098e5a1ba4445a53f9e03df1f52a7072bae00d3b640d3d0f05f4ecd2a600a1a37d1c44d6cbc41f6e5fa7a7c6648866fa8d84a342d89ee48531a45ce65fda")
    static let controller = try! Identity(parsing: "4073ceaa6b:0:59b59cadae10ce65dd34b4a0abac9221c2241a7aeeebc5b887ae6dfa129183597fd870219f2c47c829333789602990847b08523ce8aa5962d90f69b512c092b1:6efcc1b94e6fcb5cb2a8361c03cb47db66cf0c310b289d17ce6ade554fca5b4d0fe754478349e98c19a7f93808fb9af74ce5404da9a87a9eefa6f3d7a43f2d32")
    static let bAddress = InetAddress.ipv4(IPv4Address(10, 77, 0, 12), port: 9993)
    static let controllerAddress = InetAddress.ipv4(IPv4Address(10, 77, 0, 2), port: 9993)
    static let start: Int64 = 1_795_924_500_000
    static let bKeys = try! PeerKeys(local: a, peer: b)
    static let controllerKeys = try! PeerKeys(local: a, peer: controller)

    /// a's config as the controller would issue it: 6PLANE, RFC4193, IPv4 from a pool with its route, broadcast,
    /// NDP emulation, certificates of membership and ownership.
    static let configBytes: [UInt8] = {
        var c = NetworkConfig(network: network, timestamp: start, revision: 7, issuedTo: a.address)
        c.name = "fuzz"
        c.rules = [.accept]
        c.multicastLimit = 32
        c.flags = NetworkConfig.flagEnableBroadcast | NetworkConfig.flagIPv6NDPEmulation
        c.staticIPs = [
            SixPlane(network: network, node: a.address).assignedAddress, RFC4193(network: network, node: a.address).assignedAddress,
            try! IPPrefix(.v4(IPv4Address(10, 78, 0, 234)), length: 24),
        ]
        c.routes = [.init(target: try! IPPrefix(.v4(IPv4Address(10, 78, 0, 0)), length: 24))]
        c.com = try! CertificateOfMembership(timestamp: start, maxDelta: UInt64(c.credentialTimeMaxDelta), network: network, issuedTo: a).signed(by: controller)
        c.ownerships = [try! ownership(of: a.address, ip: IPv4Address(10, 78, 0, 234))]
        return c.dictionary.encoded
    }()

    static func ownership(of member: Address, ip: IPv4Address) throws -> CertificateOfOwnership {
        try CertificateOfOwnership(network: network, timestamp: start, id: 1, things: [.ipv4(ip)], issuedTo: member).signed(by: controller)
    }

    /// b's certificates, as b would push them.
    static let bCredentials: [UInt8] = {
        let com = try! CertificateOfMembership(timestamp: start, maxDelta: 1_800_000, network: network, issuedTo: b).signed(by: controller)
        return Message.networkCredentials(NetworkCredentials(coms: [com], ownerships: [try! ownership(of: b.address, ip: IPv4Address(10, 78, 0, 125))])).payload
    }()

    /// What the node hands its host: counted and dropped, except the id of the last packet to b (for kind 6).
    final class Host: NodeHost {
        var rng: UInt64 = 0x5eed
        var sent = 0
        var delivered = 0
        var lastToB: UInt64 = 0

        func send(datagram: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int, ttl: Int?) {
            sent += 1
            if datagram.count >= Packet.minimumLength, address == NodeExercise.bAddress, datagram[13] != 0xff {
                lastToB = UInt64(bigEndian: datagram.loadUnaligned(as: UInt64.self))
            }
        }
        func deliver(network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
            delivered += 1
        }
        func networkChanged(_ state: NetworkState) {}
        func store(_ object: StateObject, data: [UInt8]?) {}
        func random() -> UInt64 {
            rng &+= 0x9e37_79b9_7f4a_7c15
            var z = rng
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            return z ^ (z >> 27)
        }
        func event(_ event: NodeEvent) {}
    }

    public private(set) var inputs = 0
    /// The last input's node statistics and frames written to its tap (to check that inputs get past the MAC).
    public private(set) var lastStatistics = NodeStatistics()
    public private(set) var lastDelivered = 0

    public init() {}

    public func run(_ input: [UInt8]) {
        inputs += 1
        let host = Host()
        let known: Set<Identity> = [Self.b.publicOnly, Self.controller.publicOnly]
        let node = Node(
            configuration: NodeConfiguration(identity: Self.a, validateIdentity: { known.contains($0.publicOnly) }),
            host: host)
        var now = Self.start
        node.addCachedPeer(Self.b.publicOnly, addresses: [Self.bAddress], now: now)
        node.addCachedPeer(Self.controller.publicOnly, addresses: [Self.controllerAddress], now: now)
        node.join(Self.network, savedConfig: Self.configBytes, now: now)
        send(Verb.networkCredentials.rawValue, Self.bCredentials, suite: .aesGMACSIV, from: Self.b, keys: Self.bKeys, to: node, now: now)
        var r = ByteReader(input, context: "fuzz input")
        var id: UInt64 = 1
        while !r.isAtEnd {
            guard let kind = try? r.readUInt8("kind") else { break }
            let declared = Int((try? r.readUInt16("length")) ?? 0)
            let body = (try? r.readBytes(min(declared, r.remaining), "body")) ?? []
            now += 1
            id += 1
            let suite: CipherSuite = [.poly1305None, .poly1305Salsa2012, .aesGMACSIV][Int(kind / 7) % 3]
            switch kind % 7 {
            case 0, 5:
                guard let verb = body.first else { continue }
                let (from, keys) = kind % 7 == 0 ? (Self.b, Self.bKeys) : (Self.controller, Self.controllerKeys)
                send(verb, Array(body.dropFirst()), suite: suite, from: from, keys: keys, to: node, now: now, id: id)
            case 1:
                node.receive(datagram: body, from: Self.bAddress, localSocket: 0, now: now)
            case 2:
                guard body.count >= 8 else { continue }
                let frame = EthernetFrame(
                    destination: MAC(bytes: body[0..<6]), source: MAC(node: Self.a.address, network: Self.network),
                    etherType: UInt16(body[6]) << 8 | UInt16(body[7]), payload: Array(body[8...]))
                node.receive(frames: [frame], network: Self.network, now: now)
            case 3:
                let ms = body.count >= 2 ? Int64(body[0]) << 8 | Int64(body[1]) : 1000
                now += ms
                node.tick(now: now)
            case 4:
                guard !body.isEmpty, let chunks = try? NetworkConfigChunk.chunks(of: body, network: Self.network, updateID: id, signer: Self.controller)
                else { continue }
                for chunk in chunks.prefix(16) {
                    send(Verb.networkConfig.rawValue, Message.networkConfig(chunk).payload, suite: .aesGMACSIV, from: Self.controller, keys: Self.controllerKeys, to: node, now: now, id: id)
                    id += 1
                }
            default:
                guard let verb = body.first else { continue }
                var payload = [verb]
                payload.appendUInt64(host.lastToB)
                payload += body.dropFirst()
                send(Verb.ok.rawValue, payload, suite: suite, from: Self.b, keys: Self.bKeys, to: node, now: now, id: id)
            }
        }
        node.tick(now: now + 10_000)
        lastStatistics = node.statistics
        lastDelivered = host.delivered
        for (name, size) in node.tableSizes.tables {
            precondition(size.count <= size.capacity, "table \(name) holds \(size.count), past its bound \(size.capacity)")
        }
    }

    /// Seals a message from `from` and hands its datagrams to the node (split like a sender would).
    private func send(
        _ verb: UInt8, _ payload: [UInt8], suite: CipherSuite, from: Identity, keys: PeerKeys, to node: Node, now: Int64,
        id: UInt64 = 1
    ) {
        guard Packet.payloadOffset + payload.count <= Packet.maxSendableLength else { return }
        let packet = PacketCodec.seal(
            id: id &* 0x9e37_79b9_7f4a_7c15, destination: Self.a.address, source: from.address, verb: verb & 0x1f,
            payload: payload, suite: suite, keys: keys, compress: verb & 0x80 != 0)
        let address = from.address == Self.b.address ? Self.bAddress : Self.controllerAddress
        guard Fragmentation.datagramCount(length: packet.count) <= Packet.maxFragments else { return }
        for datagram in Fragmentation.split(packet) { node.receive(datagram: datagram, from: address, localSocket: 0, now: now) }
    }
}
