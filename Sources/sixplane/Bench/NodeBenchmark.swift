import CAllocationCounter
import SixplaneCore

/// FRAMEs from a known peer into a node: dearmor in place, membership check (certificate agreement), source
/// check, hand-off to the host. One core, counting heap allocations.
enum NodeBenchmark {
    /// A host that only counts what the node hands it (so it allocates nothing itself).
    final class CountingHost: NodeHost {
        var delivered = 0
        var sent = 0
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func send(datagram: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int, ttl: Int?) {
            sent += 1
        }
        func deliver(network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
            delivered += 1
        }
        func networkChanged(_ state: NetworkState) {}
        func store(_ object: StateObject, data: [UInt8]?) {}
        func random() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        func event(_ event: NodeEvent) {}
    }

    struct Measurement {
        var packetsPerSecond: Double
        var allocationsPerPacket: Double
        var delivered: Int
        var packets: Int
    }

    /// Runs `rounds` timed rounds of `milliseconds` each for each suite; returns the best rate per suite.
    static func run(milliseconds: Int, packetSize: Int = 1400) -> [(CipherSuite, Measurement)] {
        var rng = SystemRandomNumberGenerator()
        let controller = Identity.generate(using: &rng)
        let receiver = Identity.generate(using: &rng)
        let sender = Identity.generate(using: &rng)
        let network = NetworkID(controller: controller.address, number: 1)
        let t0: Int64 = 1_800_000_000_000
        func config(_ member: Identity) -> NetworkConfig {
            var c = NetworkConfig(network: network, timestamp: t0, revision: 1, issuedTo: member.address)
            c.rules = [.accept]
            c.multicastLimit = 32
            c.flags = NetworkConfig.flagIPv6NDPEmulation | NetworkConfig.flagEnableBroadcast
            c.staticIPs = [SixPlane(network: network, node: member.address).assignedAddress]
            c.com = try! CertificateOfMembership(timestamp: t0, maxDelta: 1_800_000, network: network, issuedTo: member).signed(by: controller)
            return c
        }
        let host = CountingHost()
        let node = Node(configuration: NodeConfiguration(identity: receiver), host: host)
        node.join(network, savedConfig: config(receiver).dictionary.encoded, now: t0)
        let from = InetAddress.ipv4(IPv4Address(10, 0, 0, 2), port: 9993)
        node.addCachedPeer(sender.publicOnly, addresses: [from], now: t0)
        // The controller must be known for the sender's certificate to be checked.
        node.addCachedPeer(controller.publicOnly, addresses: [], now: t0)
        let keys = try! PeerKeys(local: sender, peer: receiver)
        let creds = Message.networkCredentials(NetworkCredentials(coms: [config(sender).com!]))
        let credPacket = PacketCodec.seal(
            id: 1, destination: receiver.address, source: sender.address, verb: creds.verb, payload: creds.payload,
            suite: .aesGMACSIV, keys: keys)
        node.receive(datagram: credPacket, from: from, localSocket: 0, now: t0)

        // An IPv6 frame from the sender's 6PLANE address, padded so that the whole packet is `packetSize` bytes.
        let source = SixPlane(network: network, node: sender.address).address
        let destination = SixPlane(network: network, node: receiver.address).address
        let frameLength = packetSize - Packet.payloadOffset - 10
        var ip = [UInt8](repeating: 0x61, count: frameLength)
        ip.replaceSubrange(0..<8, with: [0x60, 0, 0, 0, UInt8((frameLength - 40) >> 8), UInt8((frameLength - 40) & 0xff), 17, 64])
        ip.replaceSubrange(8..<24, with: source.bytes)
        ip.replaceSubrange(24..<40, with: destination.bytes)
        let frame = Message.frame(Frame(network: network, etherType: 0x86dd, data: ip))

        var results: [(CipherSuite, Measurement)] = []
        for suite in [CipherSuite.aesGMACSIV, .poly1305Salsa2012] {
            let armored = PacketCodec.seal(
                id: 7, destination: receiver.address, source: sender.address, verb: frame.verb, payload: frame.payload,
                suite: suite, keys: keys)
            precondition(armored.count == packetSize)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: armored.count, alignment: 16)
            defer { buffer.deallocate() }
            var now = t0 + 1
            func one() {
                armored.withUnsafeBytes { buffer.copyMemory(from: $0) }
                node.receive(datagram: buffer, from: from, localSocket: 0, now: now)
            }
            for _ in 0..<2000 { one() }  // warm up: caches filled, gate result cached
            precondition(host.delivered >= 2000, "frames are not getting through the gate; the benchmark would be void")
            var best = Measurement(packetsPerSecond: 0, allocationsPerPacket: 0, delivered: 0, packets: 0)
            let clock = ContinuousClock()
            for _ in 0..<5 {
                let deliveredBefore = host.delivered
                let allocationsBefore = sixplane_allocation_count()
                let start = clock.now
                let deadline = start + .milliseconds(milliseconds)
                var n = 0
                while clock.now < deadline {
                    for _ in 0..<256 { one() }
                    n += 256
                    now += 1
                }
                let elapsed = clock.now - start
                let seconds = elapsed.inSeconds
                let allocations = Double(sixplane_allocation_count() - allocationsBefore) / Double(n)
                let m = Measurement(packetsPerSecond: Double(n) / seconds, allocationsPerPacket: allocations, delivered: host.delivered - deliveredBefore, packets: n)
                if m.packetsPerSecond > best.packetsPerSecond { best = m }
            }
            results.append((suite, best))
        }
        return results
    }
}
