import CSixplaneCrypto
import SixplaneCore
import Testing

/// The 512-bit VAES CTR against BoringSSL's, and against NIST SP 800-38A F.5.5 (CTR-AES256.Encrypt). Skipped where
/// the CPU has no VAES (then the packet path never takes it).
@Suite(.enabled(if: AESGMACSIV.hasWideAES, "this CPU has no 512-bit VAES"))
struct WideAESTests {
    static let nistKey = hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
    static let nistCounter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
    static let nistPlain = hex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52ef"
            + "f69f2445df4f9b17ad2b417be66c3710")
    static let nistCipher = hex(
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988d"
            + "dfc9c58db67aada613c2dd08457941a6")

    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    static func wide(_ key: [UInt8], _ counter: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var schedule = sixplane_aes256_wide()
        key.withUnsafeBufferPointer { sixplane_aes256_wide_init(&schedule, $0.baseAddress) }
        var out = data
        out.withUnsafeMutableBufferPointer { sixplane_aes256_wide_ctr(&schedule, counter, $0.baseAddress, $0.count) }
        return out
    }

    static func narrow(_ key: [UInt8], _ counter: [UInt8], _ data: [UInt8]) -> [UInt8] {
        var schedule = sixplane_aes256()
        #expect(key.withUnsafeBufferPointer { sixplane_aes256_init(&schedule, $0.baseAddress) } == 0)
        var out = data
        out.withUnsafeMutableBufferPointer { sixplane_aes256_ctr(&schedule, counter, $0.baseAddress, $0.count) }
        return out
    }

    // The NIST counter's low word (0xfcfdfeff) does not wrap within four blocks.
    @Test func nistVector() {
        #expect(Self.wide(Self.nistKey, Self.nistCounter, Self.nistPlain) == Self.nistCipher)
        #expect(Self.narrow(Self.nistKey, Self.nistCounter, Self.nistPlain) == Self.nistCipher)
        #expect(Self.wide(Self.nistKey, Self.nistCounter, Self.nistCipher) == Self.nistPlain)
    }

    /// Every length from 0 to 1100 (each tail of the 256-, 64- and 16-byte steps) and counters from 0 to just
    /// below bit 31, as suite 3 makes them.
    @Test(arguments: [UInt32(0), 1, 0x0000_00ff, 0x00ff_fff0, 0x7fff_ff00])
    func matchesBoringSSL(low: UInt32) {
        var rng = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var counter = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for i in 0..<4 { counter[12 + i] = UInt8(truncatingIfNeeded: low >> (24 - 8 * i)) }
        let data = (0..<1100).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for length in 0...1100 {
            let slice = Array(data.prefix(length))
            let w = Self.wide(key, counter, slice)
            guard w == Self.narrow(key, counter, slice) else {
                Issue.record("length \(length), counter low word \(low): wide CTR differs from BoringSSL's")
                return
            }
        }
    }

    /// A packet sealed with the wide CTR opens with BoringSSL's and the other way round, and both seal alike.
    @Test func sealAndOpenAcrossKinds() {
        let key48 = (0..<48).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let wide = AESGMACSIV(key48: key48, wide: true)
        let narrow = AESGMACSIV(key48: key48, wide: false)
        for length in [Packet.minimumLength, 28, 64, 91, 283, 1400, 2800] {
            var packet = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
            packet[18] = 0x18  // flags: cipher suite 3, hops 0
            let plain = packet
            var a = packet, b = packet
            a.withUnsafeMutableBytes { wide.seal($0) }
            b.withUnsafeMutableBytes { narrow.seal($0) }
            #expect(a == b, "length \(length)")
            #expect(a.withUnsafeMutableBytes { narrow.open($0) }, "length \(length)")
            #expect(b.withUnsafeMutableBytes { wide.open($0) }, "length \(length)")
            #expect(Array(a[Packet.verbOffset...]) == Array(plain[Packet.verbOffset...]))
        }
    }
}
