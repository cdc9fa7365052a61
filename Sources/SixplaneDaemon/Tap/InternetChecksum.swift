/// The one's-complement sum of IP, TCP and UDP checksums, 32 bits at a time (folding 32-bit words gives the same
/// result as summing 16-bit ones).
enum InternetChecksum {
    /// `sum` plus the big-endian 16-bit words of `bytes` (an odd last byte padded with zero).
    static func add(_ bytes: UnsafeRawBufferPointer, to sum: UInt64 = 0) -> UInt64 {
        var s = sum, i = 0
        let n = bytes.count
        while i + 4 <= n {
            s += UInt64(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
            i += 4
        }
        if i + 2 <= n {
            s += UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < n { s += UInt64(bytes[i]) << 8 }
        return s
    }

    static func fold(_ sum: UInt64) -> UInt16 {
        var s = sum
        while s > 0xffff { s = (s & 0xffff) + (s >> 16) }
        return UInt16(s)
    }

    /// The IPv6 pseudo-header's sum: addresses (the 32 bytes at `addresses`), upper-layer length, next header.
    static func pseudoHeader(addresses: UnsafeRawBufferPointer, length: Int, nextHeader: UInt8) -> UInt64 {
        add(addresses) + UInt64(length >> 16) + UInt64(length & 0xffff) + UInt64(nextHeader)
    }
}
