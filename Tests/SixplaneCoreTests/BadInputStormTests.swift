import SixplaneCore
import SixplaneTestSupport
import Testing

/// Hundreds of thousands of random, truncated and bit-flipped inputs, seeded from the real captures, into every
/// parser: nothing crashes, memory stays bounded, and every rejection has a typed reason.
@Suite struct BadInputStormTests {
    static let testbed = try! Testbed()

    /// Real packets, fragments and structures to mutate.
    static let seeds: (datagrams: [[UInt8]], plaintexts: [(UInt8, [UInt8])], structures: [[UInt8]]) = {
        let datagrams = (try! Pcap(fixture: "zt-1.14.1/pcap/00-all-underlay-br0.pcap")).udp.map(\.payload)
        let plaintexts = CaptureGroundTruthTests.all.map { ($0.opened.verb, $0.opened.payload) }
        var structures: [[UInt8]] = [try! Fixtures.data("zt-1.14.1/planet"), PublicPlanet.bytes]
        for d in CaptureGroundTruthTests.all {
            if case .ok(_, .networkConfig(let chunk)) = d.message {
                structures.append(chunk.data)
                if let com = try? NetworkConfig(bytes: chunk.data).com { structures.append(com.serialized) }
            }
        }
        return (datagrams, plaintexts, structures)
    }()

    @Test func datagramStorm() throws {
        let keys = try #require(Self.testbed.keys(try Address(hex: "ccd3c55330"), try Address(hex: "49471a9ee2")))
        let exercise = ParserExercise(keys: keys, reassemblySlots: 32)
        var rng = SeededGenerator(seed: 0xbad)
        let seeds = Self.seeds.datagrams
        for i in 0..<100_000 {
            exercise.datagram(Mutation.mutate(seeds[i % seeds.count], &rng), now: Int64(i))
            #expect(exercise.reassembler.pending <= 32)
        }
        let total = exercise.outcomes.values.reduce(0, +)
        #expect(total >= 100_000, "every datagram got an outcome")
        // Tampered packets fail their MAC; nothing forged gets through.
        #expect(exercise.outcomes["packet.badMAC", default: 0] > 10_000)
        #expect(exercise.outcomes["packet.opened", default: 0] < 100, "only unmodified (a few) or untouched-by-mutation packets open")
    }

    @Test func decryptedPayloadStorm() {
        let exercise = ParserExercise(keys: PeerKeys(key48: [UInt8](repeating: 1, count: 48)))
        var rng = SeededGenerator(seed: 0xfeed)
        let seeds = Self.seeds.plaintexts
        for i in 0..<100_000 {
            let (verb, payload) = seeds[i % seeds.count]
            exercise.message(verb: verb, payload: Mutation.mutate(payload, &rng))
        }
        #expect(exercise.outcomes.values.reduce(0, +) == 100_000)
        #expect(exercise.outcomes["message.truncated", default: 0] > 1000)
        #expect(exercise.outcomes["message.ok", default: 0] > 1000)
    }

    @Test func structureStorm() {
        let exercise = ParserExercise(keys: PeerKeys(key48: [UInt8](repeating: 2, count: 48)))
        var rng = SeededGenerator(seed: 0xc0de)
        let seeds = Self.seeds.structures
        #expect(seeds.count >= 4)
        for i in 0..<30_000 {
            exercise.structures(Mutation.mutate(seeds[i % seeds.count], &rng))
        }
        // Each input went through 8 parsers.
        #expect(exercise.outcomes.values.reduce(0, +) == 30_000 * 8)
        for kind in ["config", "com", "world"] {
            let rejected = exercise.outcomes.filter { $0.key.hasPrefix(kind + ".") && !$0.key.hasSuffix(".ok") }.values.reduce(0, +)
            #expect(rejected > 1000, "\(kind) rejections")
        }
    }
}
