import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct LZ4Tests {
    static let derived = try! VectorFile(fixture: "derived-vectors.md")

    /// D6: the reference encoder's block decodes to the MULTICAST_LIKE payload.
    @Test func d6ReferenceBlockDecodes() throws {
        let plain = try #require(Self.derived.value("plain", in: "D6"))
        let compressed = try #require(Self.derived.value("compressed", in: "D6"))
        #expect(compressed[27] == 0x89 && plain[27] == 0x09)
        let payload = try LZ4.decompress(Array(compressed[28...]), limit: 9996).get()
        #expect(payload == Array(plain[28...]))
    }

    @Test func ourEncoderRoundTrips() throws {
        var rng = SeededGenerator(seed: 4)
        let plain = try #require(Self.derived.value("plain", in: "D6"))
        var inputs: [[UInt8]] = [Array(plain[28...]), [UInt8](repeating: 7, count: 5000), Array("abcabcabcabcabcabcabcabcabcabc".utf8)]
        for size in [300, 1400, 9996] {
            // Compressible: random runs drawn from a small alphabet.
            inputs.append((0..<size).map { _ in UInt8.random(in: 0...3, using: &rng) })
        }
        for input in inputs {
            let compressed = try #require(LZ4.compress(input), "input of \(input.count) bytes should compress")
            #expect(compressed.count < input.count)
            #expect(try LZ4.decompress(compressed, limit: input.count).get() == input)
        }
        // Too short to hold a match, and random bytes: nothing to gain, so nil.
        #expect(LZ4.compress([3, 0, 1, 2, 2, 3, 1, 1, 3, 0, 0, 3, 2]) == nil)
        #expect(LZ4.compress((0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }) == nil)
    }

    @Test func maliciousBlocksAreRejected() {
        // Literal length claims more than the input has.
        #expect(LZ4.decompress([0xf0, 0xff, 0xff, 0x10], limit: 10000) == .failure(.truncated))
        // Offset 0, and offset beyond what was produced.
        #expect(LZ4.decompress([0x10, 0x41, 0x00, 0x00], limit: 100) == .failure(.badOffset))
        #expect(LZ4.decompress([0x10, 0x41, 0x05, 0x00], limit: 100) == .failure(.badOffset))
        // A match that would exceed the limit (an expansion bomb).
        let bomb: [UInt8] = [0x1f, 0x41, 0x01, 0x00] + [UInt8](repeating: 0xff, count: 50) + [0x00]
        #expect(LZ4.decompress(bomb, limit: 9996) == .failure(.outputTooLarge))
        // Missing offset after literals that do not end the block.
        #expect(LZ4.decompress([0x10, 0x41, 0x01], limit: 100) == .failure(.truncated))
    }

    @Test func randomGarbageNeverCrashesOrExceedsTheLimit() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<30_000 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if case .success(let out) = LZ4.decompress(bytes, limit: 2048) { #expect(out.count <= 2048) }
        }
    }
}
