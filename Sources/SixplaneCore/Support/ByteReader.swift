/// A bounded, big-endian reader over bytes that came from outside.
///
/// Every read checks the remaining length first and throws `WireError(.truncated)` naming `context` and the
/// offsets involved, so a parser built on it can never index past the end, whatever a length field claims.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    /// Names the structure being parsed in error messages ("HELLO", "world").
    public var context: String

    public init(_ bytes: [UInt8], context: String = "input") {
        self.bytes = bytes
        self.offset = 0
        self.context = context
    }

    public init<C: Collection<UInt8>>(_ bytes: C, context: String = "input") {
        self.init(Array(bytes), context: context)
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    @inline(__always)
    mutating func need(_ count: Int, _ what: String) throws(WireError) {
        guard count >= 0, count <= bytes.count - offset else {
            throw WireError(
                .truncated,
                "\(context): \(what) needs \(count) bytes at offset \(offset), only \(bytes.count - offset) remain")
        }
    }

    public mutating func readUInt8(_ what: String = "byte") throws(WireError) -> UInt8 {
        try need(1, what)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readUInt16(_ what: String = "u16") throws(WireError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readInteger(2, what))
    }

    public mutating func readUInt32(_ what: String = "u32") throws(WireError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readInteger(4, what))
    }

    public mutating func readUInt64(_ what: String = "u64") throws(WireError) -> UInt64 {
        try readInteger(8, what)
    }

    /// Reads `count` (≤ 8) bytes as one big-endian unsigned integer.
    public mutating func readInteger(_ count: Int, _ what: String) throws(WireError) -> UInt64 {
        precondition(count <= 8)
        try need(count, what)
        var v: UInt64 = 0
        for i in offset..<offset + count { v = v << 8 | UInt64(bytes[i]) }
        offset += count
        return v
    }

    public mutating func readBytes(_ count: Int, _ what: String = "bytes") throws(WireError) -> [UInt8] {
        try need(count, what)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func skip(_ count: Int, _ what: String = "bytes") throws(WireError) {
        try need(count, what)
        offset += count
    }

    public mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// Fails unless every byte has been consumed.
    public func expectEnd() throws(WireError) {
        guard remaining == 0 else {
            throw WireError(.oversize, "\(context): \(remaining) unexpected trailing bytes at offset \(offset)")
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` big-endian in `count` bytes (the low `count` bytes of it).
    @inlinable
    public mutating func appendInteger(_ value: UInt64, count: Int) {
        for i in stride(from: count - 1, through: 0, by: -1) {
            append(UInt8(truncatingIfNeeded: value >> (UInt64(i) * 8)))
        }
    }

    @inlinable public mutating func appendUInt16(_ v: UInt16) { appendInteger(UInt64(v), count: 2) }
    @inlinable public mutating func appendUInt32(_ v: UInt32) { appendInteger(UInt64(v), count: 4) }
    @inlinable public mutating func appendUInt64(_ v: UInt64) { appendInteger(v, count: 8) }
}
