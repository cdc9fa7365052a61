import SixplaneCore
import SixplaneTestSupport
import Testing

/// Node `a` of the real 1.14.1 testbed, replayed: a Sixplane node with a's identity and the testbed planet is fed
/// every datagram a received in 01-a-underlay.pcap, on a clock that follows the capture, and must end up where the
/// real node did.
@Suite struct CaptureReplayTests {
    final class RecordingHost: NodeHost {
        var sent: [(InetAddress, [UInt8])] = []
        var states: [NetworkID: NetworkState] = [:]
        var delivered: [EthernetFrame] = []
        var seed: UInt64 = 0x5eed
        func send(datagram: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int, ttl: Int?) {
            sent.append((address, Array(datagram)))
        }
        func deliver(network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
            delivered.append(EthernetFrame(destination: destination, source: source, etherType: etherType, payload: Array(payload)))
        }
        func networkChanged(_ state: NetworkState) { states[state.network] = state }
        func store(_ object: StateObject, data: [UInt8]?) {}
        func random() -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return seed
        }
        func event(_ event: NodeEvent) {}
    }

    @Test func nodeAReachesTheStateTheRealNodeReached() throws {
        let a = try Fixtures.testbedIdentity("a")
        let planet = try World(bytes: try Fixtures.data("zt-1.14.1/planet"))
        let host = RecordingHost()
        let node = Node(configuration: NodeConfiguration(identity: a, planet: planet), host: host)
        let aAddress = InetAddress.ipv4(IPv4Address(10, 77, 0, 11), port: 9993)
        let datagrams = try Pcap(fixture: "zt-1.14.1/pcap/01-a-underlay.pcap").udp
        let start = try #require(datagrams.first?.time)
        var nextTick = start
        node.tick(now: start)
        node.join(Fixtures.testbedNetwork, now: start)
        var fed = 0
        for d in datagrams where d.destination == aAddress {
            while nextTick <= d.time { nextTick = node.tick(now: nextTick) }
            node.receive(datagram: d.payload, from: d.source, localSocket: 0, now: d.time)
            fed += 1
        }
        #expect(fed > 40)
        let names = ["root", "ctl", "b"]
        for name in names {
            let id = try Fixtures.testbedIdentity(name)
            #expect(node.topology.peers[id.address]?.identity == id, "\(name) is known")
        }
        let root = try #require(node.topology.peers[try Fixtures.testbedIdentity("root").address])
        #expect(node.topology.isUpstream(root.address))
        // Paths are adopted only on OKs to our own packets, which a recording cannot hold (the real node's ids were
        // different); what the recording does show is the root's traffic arriving and being accepted.
        #expect(root.lastReceive > start)
        #expect(root.protocolVersion == 12 && root.versionMinor == 14)
        #expect(node.isOnline)

        let state = try #require(host.states[Fixtures.testbedNetwork])
        #expect(state.status == .ok)
        let config = try #require(state.config)
        #expect(config.name == "ref-6plane")
        #expect(Set(config.staticIPs.map(\.description)) == [
            "fc2b:b748:5acc:d3c5:5330::1/40", "fd40:73ce:aa6b:c486:f099:93cc:d3c5:5330/88", "10.78.0.234/24",
        ])
        #expect(state.mac.description == "f2:4a:17:ae:f9:fe")
        // b's credentials arrived (NETWORK_CREDENTIALS), so b passes the gate, and b's frames reached a's tap.
        let b = try #require(node.topology.peers[try Fixtures.testbedIdentity("b").address])
        #expect(node.networks[Fixtures.testbedNetwork]?.gate(b) == true)
        #expect(host.delivered.contains { $0.source == MAC(node: b.address, network: Fixtures.testbedNetwork) }, "b's frames delivered")
        #expect(node.statistics.drops[.badMAC, default: 0] == 0, "every packet from the real nodes authenticated")
    }
}
