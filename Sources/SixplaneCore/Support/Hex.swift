/// Lowercase hexadecimal, the text encoding ZeroTier uses for keys, addresses and ids.
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`, two digits per byte.
    public static func encode<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Zero-padded lowercase hex of the low `digits` nibbles of `value`.
    public static func encode(_ value: UInt64, digits count: Int) -> String {
        var out = [UInt8](repeating: 0x30, count: count)
        var v = value
        for i in stride(from: count - 1, through: 0, by: -1) {
            out[i] = digits[Int(v & 0xf)]
            v >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of one ASCII hex digit (either case), or nil.
    @inlinable
    public static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// Decodes hex text (either case) into bytes.
    ///
    /// - Parameters:
    ///   - text: the hex digits, nothing else.
    ///   - what: names the field in error messages ("public key").
    ///   - count: if given, the exact number of bytes required.
    public static func decode<S: StringProtocol>(_ text: S, what: String = "hex", count: Int? = nil) throws(WireError)
        -> [UInt8]
    {
        let utf8 = Array(text.utf8)
        if let count, utf8.count != count * 2 {
            throw WireError(
                .wrongLength, "\(what): expected \(count * 2) hex digits (\(count) bytes), got \(utf8.count)")
        }
        guard utf8.count % 2 == 0 else {
            throw WireError(.wrongLength, "\(what): odd number of hex digits (\(utf8.count))")
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else {
                let bad = nibble(utf8[i]) == nil ? i : i + 1
                throw WireError(
                    .invalidHex, "\(what): '\(Character(Unicode.Scalar(utf8[bad])))' at position \(bad) is not a hex digit")
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Parses at most `maxDigits` hex digits (either case) as an unsigned integer.
    public static func decodeInteger<S: StringProtocol>(_ text: S, what: String, maxDigits: Int) throws(WireError)
        -> UInt64
    {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { throw WireError(.truncated, "\(what): empty") }
        guard utf8.count <= maxDigits else {
            throw WireError(.wrongLength, "\(what): '\(text)' has \(utf8.count) hex digits, at most \(maxDigits) allowed")
        }
        var value: UInt64 = 0
        for (i, c) in utf8.enumerated() {
            guard let n = nibble(c) else {
                throw WireError(.invalidHex, "\(what): '\(text)' has a non-hex character at position \(i)")
            }
            value = value << 4 | UInt64(n)
        }
        return value
    }
}
