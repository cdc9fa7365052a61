import SixplaneCore

/// Hex literals in tests.
public func hex(_ text: String) -> [UInt8] {
    let compact = text.filter { !$0.isWhitespace }
    return (try? Hex.decode(compact)) ?? { fatalError("bad hex literal in test: \(text)") }()
}

/// A deterministic generator for tests that need reproducible "random" bytes (SplitMix64).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
