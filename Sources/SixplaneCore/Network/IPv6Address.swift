/// An IPv6 address, held as two big-endian 64-bit halves.
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public init<C: Collection<UInt8>>(bytes: C) {
        precondition(bytes.count >= 16)
        var h: UInt64 = 0
        var l: UInt64 = 0
        for (i, b) in bytes.prefix(16).enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        high = h
        low = l
    }

    /// From 16 bytes at `offset` of a raw buffer (the data path: no generic collection code).
    @inlinable
    public init(raw: UnsafeRawBufferPointer, at offset: Int) {
        precondition(offset >= 0 && offset + 16 <= raw.count)
        high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        out.appendUInt64(high)
        out.appendUInt64(low)
        return out
    }

    /// The eight 16-bit groups, most significant first.
    public var groups: [UInt16] {
        (0..<8).map { i in
            let half = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: half >> UInt64((3 - i % 4) * 16))
        }
    }

    public init(groups: [UInt16]) {
        precondition(groups.count == 8)
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        high = h
        low = l
    }

    /// Text as glibc's `inet_ntop` writes it (RFC 5952): lowercase, no leading zeros, the longest run of two or more
    /// zero groups (the first if tied) as `::`, and the IPv4-mapped and -compatible forms with a dotted quad.
    public var description: String {
        let g = groups
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLength {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var out = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            if i > 0 && !out.hasSuffix(":") { out += ":" }
            if i == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && g[5] == 0xffff)) {
                out += IPv4Address(rawValue: UInt32(truncatingIfNeeded: low)).description
                break
            }
            out += String(g[i], radix: 16)
            i += 1
        }
        return out
    }

    /// Parses the usual text forms: full, `::`-compressed, and with a trailing dotted quad. No zone ids.
    public init<S: StringProtocol>(parsing text: S) throws(WireError) {
        let s = String(text)
        func fail(_ why: String) -> WireError { WireError(.malformed, "IPv6 address '\(s)': \(why)") }
        if let range = s.firstRange(of: "::") {
            if s[range.upperBound...].contains("::") { throw fail("more than one '::'") }
            let head = try Self.parseGroups(s[..<range.lowerBound], allowDotted: false, fail)
            let tail = try Self.parseGroups(s[range.upperBound...], allowDotted: true, fail)
            guard head.count + tail.count <= 7 else { throw fail("too many groups") }
            self.init(groups: head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail)
        } else {
            let groups = try Self.parseGroups(Substring(s), allowDotted: true, fail)
            guard groups.count == 8 else { throw fail("expected 8 groups, found \(groups.count)") }
            self.init(groups: groups)
        }
    }

    private static func parseGroups(_ text: Substring, allowDotted: Bool, _ fail: (String) -> WireError) throws(WireError)
        -> [UInt16]
    {
        if text.isEmpty { return [] }
        var out: [UInt16] = []
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part.contains(".") {
                guard allowDotted, index == parts.count - 1 else { throw fail("misplaced dotted quad") }
                let v4 = try IPv4Address(parsing: part)
                out.append(UInt16(v4.rawValue >> 16))
                out.append(UInt16(v4.rawValue & 0xffff))
                continue
            }
            guard !part.isEmpty, part.utf8.count <= 4 else { throw fail("bad group '\(part)'") }
            guard let value = try? Hex.decodeInteger(part, what: "group", maxDigits: 4) else {
                throw fail("bad group '\(part)'")
            }
            out.append(UInt16(value))
        }
        return out
    }

    public static func < (a: IPv6Address, b: IPv6Address) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }
}
