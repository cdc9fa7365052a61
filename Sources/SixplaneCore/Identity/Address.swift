/// A 40-bit ZeroTier node address, written as 10 lowercase hex digits.
///
/// Zero and every value whose first byte is 0xff are reserved: 0 means "nobody", and 0xff in the first byte of the
/// source field is how a datagram marks itself as a fragment. Such values can occur on the wire (and must be
/// representable to be rejected), so the type holds them; `isReserved` tells, and the text parser refuses them.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 5
    public static let mask: UInt64 = 0xff_ffff_ffff

    /// The address as an integer below 2⁴⁰.
    public let rawValue: UInt64

    /// nil if `rawValue` does not fit in 40 bits.
    public init?(rawValue: UInt64) {
        guard rawValue <= Self.mask else { return nil }
        self.rawValue = rawValue
    }

    /// The low 40 bits of `value`.
    public init(truncating value: UInt64) {
        rawValue = value & Self.mask
    }

    /// From the first five bytes of `bytes`, big-endian.
    public init<C: Collection<UInt8>>(bytes: C) {
        precondition(bytes.count >= Self.byteCount)
        var v: UInt64 = 0
        for b in bytes.prefix(Self.byteCount) { v = v << 8 | UInt64(b) }
        rawValue = v
    }

    /// From five bytes at `offset` of a raw buffer (the data path: no generic collection code).
    @inlinable
    public init(raw: UnsafeRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + Self.byteCount <= raw.count)
        var v: UInt64 = 0
        for i in offset..<offset + Self.byteCount { v = v << 8 | UInt64(raw[i]) }
        rawValue = v
    }

    /// Parses exactly 10 hex digits (either case); reserved addresses are refused.
    public init<S: StringProtocol>(hex text: S) throws(WireError) {
        guard text.utf8.count == 10 else {
            throw WireError(.wrongLength, "address '\(text)' must be exactly 10 hex digits, got \(text.utf8.count)")
        }
        let value = try Hex.decodeInteger(text, what: "address", maxDigits: 10)
        self.rawValue = value
        if isReserved {
            throw WireError(.reservedAddress, "address \(self) is reserved (zero or starting with ff)")
        }
    }

    /// Zero, or first byte 0xff.
    public var isReserved: Bool { rawValue == 0 || rawValue >> 32 == 0xff }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.appendInteger(rawValue, count: Self.byteCount)
        return out
    }

    public var description: String { Hex.encode(rawValue, digits: 10) }

    public static func < (a: Address, b: Address) -> Bool { a.rawValue < b.rawValue }
}
