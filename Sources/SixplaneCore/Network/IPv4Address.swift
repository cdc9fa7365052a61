/// An IPv4 address.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public init<C: Collection<UInt8>>(bytes: C) {
        precondition(bytes.count >= 4)
        var v: UInt32 = 0
        for b in bytes.prefix(4) { v = v << 8 | UInt32(b) }
        rawValue = v
    }

    /// From 4 bytes at `offset` of a raw buffer (the data path: no generic collection code).
    @inlinable
    public init(raw: UnsafeRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= raw.count)
        rawValue = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// Dotted quad, four decimal numbers 0–255 without leading zeros (no octal or short forms).
    public init<S: StringProtocol>(parsing text: S) throws(WireError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw WireError(.malformed, "IPv4 address '\(text)' must have four parts") }
        var v: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.utf8.count <= 3, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                part.utf8.count == 1 || part.utf8.first != 0x30, let n = UInt32(part), n <= 255
            else { throw WireError(.malformed, "IPv4 address '\(text)': '\(part)' is not a number 0-255") }
            v = v << 8 | n
        }
        rawValue = v
    }

    public var bytes: [UInt8] {
        [UInt8(rawValue >> 24), UInt8(rawValue >> 16 & 0xff), UInt8(rawValue >> 8 & 0xff), UInt8(rawValue & 0xff)]
    }

    public var description: String { bytes.map { String($0) }.joined(separator: ".") }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.rawValue < b.rawValue }
}
