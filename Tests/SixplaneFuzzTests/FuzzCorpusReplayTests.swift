import Foundation
import SixplaneCore
import SixplaneFuzzTargets
import SixplaneTestSupport
import Testing

/// Every input of the committed, minimised fuzz corpus (`Tests/Fixtures/fuzz-corpus/<target>/`, made by
/// `scripts/fuzz.sh`) through its target on every run: what once crashed, hung or broke a bound stays fixed.
@Suite struct FuzzCorpusReplayTests {
    @Test(arguments: FuzzTarget.allCases)
    func corpusReplays(_ target: FuzzTarget) throws {
        let folder = Fixtures.url("fuzz-corpus/\(target.rawValue)").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files.count >= 5, "a corpus for \(target.rawValue) in \(folder)")
        let runner = FuzzTarget.Runner(target)
        for name in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(name)")))
            #expect(bytes.count <= target.maxLength, "\(name) is longer than the target's -max_len")
            runner.run(bytes)
        }
    }
}

/// The node target's inputs reach past the MAC: a FRAME from b is delivered to the tap, a neighbor solicitation
/// from the tap is answered by NDP emulation, an OK answering the node's last packet is taken.
@Suite struct NodeExerciseTests {
    static func record(_ kind: UInt8, _ body: [UInt8]) -> [UInt8] { [kind, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body }

    @Test func inputsGetPastTheMAC() {
        let n = NodeExercise.network
        let a = Address(truncating: 0xccd3c55330), b = Address(truncating: 0x763cb11903)
        let ping = TestFrames.ping6(
            from: SixPlane(network: n, node: b).address, to: SixPlane(network: n, node: a).address,
            sourceMAC: MAC(node: b, network: n), destinationMAC: MAC(node: a, network: n))
        var frame: [UInt8] = [Verb.frame.rawValue]
        frame.appendUInt64(n.rawValue)
        frame += [0x86, 0xdd] + ping.payload
        let exercise = NodeExercise()
        for suite: UInt8 in [0, 1, 2] {
            exercise.run(Self.record(7 * suite, frame))
            #expect(exercise.lastDelivered == 1 && exercise.lastStatistics.framesIn[n] == 1, "suite \(suite): \(exercise.lastStatistics.drops) \(exercise.lastDelivered)")
        }
        let solicitation = TestFrames.neighborSolicitation(
            target: SixPlane(network: n, node: b).address(interfaceID: 7), source: SixPlane(network: n, node: a).address,
            sourceMAC: MAC(node: a, network: n))
        exercise.run(Self.record(2, solicitation.destination.bytes + [0x86, 0xdd] + solicitation.payload))
        #expect(exercise.lastStatistics.ndpEmulated == 1)
        // An echo to b, answered: the OK is expected and taken once.
        exercise.run(Self.record(2, MAC(node: b, network: n).bytes + [0x86, 0xdd] + ping.payload) + Self.record(6, [Verb.frame.rawValue]))
        #expect(exercise.lastStatistics.drops[.unexpectedReply, default: 0] == 0)
    }
}
