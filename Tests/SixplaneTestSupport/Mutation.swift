/// Ways bytes from outside go wrong, for the bad-input storms.
public enum Mutation {
    /// Truncates, flips bits, writes extreme values, appends garbage, or replaces with noise.
    public static func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = input
        switch UInt8.random(in: 0..<6, using: &rng) {
        case 0:  // truncate
            b = Array(b.prefix(Int.random(in: 0...b.count, using: &rng)))
        case 1, 2:  // flip a few bits
            for _ in 0..<Int.random(in: 1...8, using: &rng) where !b.isEmpty {
                b[Int.random(in: 0..<b.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            }
        case 3:  // overwrite a byte with an extreme value (lengths, counts, types)
            if !b.isEmpty { b[Int.random(in: 0..<b.count, using: &rng)] = [0, 1, 0x7f, 0x80, 0xff].randomElement(using: &rng)! }
        case 4:  // append garbage
            b += (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:  // pure noise of a plausible length
            b = (0..<Int.random(in: 0...1500, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return b
    }
}
