/// ZeroTier's configuration dictionary: `key=value` lines joined by LF, no trailing LF.
///
/// Values (text or binary) escape NUL, CR, LF, `\` and `=` as `\0`, `\r`, `\n`, `\\`, `\e`; keys are never escaped.
/// Integers are lowercase hex, written as 16 digits (addresses as 10) and read at any length. On lookup the first
/// entry with a key wins, as in the reference; entries keep their order, so encoding is deterministic.
public struct ConfigDictionary: Equatable, Sendable {
    public private(set) var entries: [(key: String, value: [UInt8])]

    public init() { entries = [] }

    public static func == (a: ConfigDictionary, b: ConfigDictionary) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// Parses dictionary text. A trailing NUL (as stored in memory) ends it.
    public init(parsing bytes: [UInt8], maxLength: Int = 1 << 20) throws(WireError) {
        guard bytes.count <= maxLength else {
            throw WireError(.oversize, "dictionary: \(bytes.count) bytes, at most \(maxLength) accepted")
        }
        entries = []
        var i = 0
        let n = bytes.firstIndex(of: 0) ?? bytes.count
        while i < n {
            // Key up to '='; lines without '=' are skipped, like the reference.
            var key: [UInt8] = []
            while i < n && bytes[i] != UInt8(ascii: "=") && bytes[i] != 0x0a && bytes[i] != 0x0d {
                key.append(bytes[i])
                i += 1
            }
            guard i < n, bytes[i] == UInt8(ascii: "=") else {
                i += 1
                continue
            }
            i += 1
            var value: [UInt8] = []
            while i < n && bytes[i] != 0x0a && bytes[i] != 0x0d {
                if bytes[i] == UInt8(ascii: "\\") && i + 1 < n {
                    i += 1
                    switch bytes[i] {
                    case UInt8(ascii: "r"): value.append(0x0d)
                    case UInt8(ascii: "n"): value.append(0x0a)
                    case UInt8(ascii: "0"): value.append(0x00)
                    case UInt8(ascii: "e"): value.append(UInt8(ascii: "="))
                    default: value.append(bytes[i])
                    }
                } else {
                    value.append(bytes[i])
                }
                i += 1
            }
            i += 1
            entries.append((String(decoding: key, as: UTF8.self), value))
        }
    }

    /// The encoded text.
    public var encoded: [UInt8] {
        var out: [UInt8] = []
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.append(0x0a) }
            out += Array(entry.key.utf8)
            out.append(UInt8(ascii: "="))
            for b in entry.value {
                switch b {
                case 0x00: out += [UInt8(ascii: "\\"), UInt8(ascii: "0")]
                case 0x0d: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x0a: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "="): out += [UInt8(ascii: "\\"), UInt8(ascii: "e")]
                default: out.append(b)
                }
            }
        }
        return out
    }

    public var keys: [String] { entries.map(\.key) }

    public subscript(key: String) -> [UInt8]? {
        entries.first { $0.key == key }?.value
    }

    public func string(_ key: String) -> String? {
        self[key].map { String(decoding: $0, as: UTF8.self) }
    }

    /// A hex integer (any number of digits, like strtoull; an empty value reads as absent).
    public func integer(_ key: String) -> UInt64? {
        guard let v = self[key], !v.isEmpty else { return nil }
        var n: UInt64 = 0
        for c in v {
            guard let d = Hex.nibble(c) else { break }
            n = n &<< 4 | UInt64(d)
        }
        return n
    }

    public func bool(_ key: String) -> Bool? {
        guard let v = self[key], let first = v.first else { return nil }
        return first == UInt8(ascii: "1") || first == UInt8(ascii: "t") || first == UInt8(ascii: "T")
    }

    public mutating func append(_ key: String, _ value: [UInt8]) {
        entries.append((key, value))
    }

    public mutating func append(_ key: String, string: String) { append(key, Array(string.utf8)) }

    /// 16 lowercase hex digits.
    public mutating func append(_ key: String, integer: UInt64) {
        append(key, Array(Hex.encode(integer, digits: 16).utf8))
    }

    /// A signed integer: 16 hex digits, with '-' before the magnitude when negative.
    public mutating func append(_ key: String, signed: Int64) {
        let magnitude = Hex.encode(signed.magnitude, digits: 16)
        append(key, Array(((signed < 0 ? "-" : "") + magnitude).utf8))
    }

    public mutating func append(_ key: String, address: Address) {
        append(key, Array(address.description.utf8))
    }

    public mutating func append(_ key: String, bool: Bool) { append(key, [bool ? UInt8(ascii: "1") : UInt8(ascii: "0")]) }
}
