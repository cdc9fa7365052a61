import SixplaneCore

/// The 14 bytes before a frame's payload on the tap: destination, source, EtherType.
enum EthernetHeader {
    static let length = 14

    /// Writes the header at the start of `h` (at least 14 bytes).
    static func write(_ h: UnsafeMutableRawBufferPointer, destination: MAC, source: MAC, etherType: UInt16) {
        for i in 0..<6 {
            h[i] = UInt8(truncatingIfNeeded: destination.rawValue >> UInt64(40 - 8 * i))
            h[6 + i] = UInt8(truncatingIfNeeded: source.rawValue >> UInt64(40 - 8 * i))
        }
        h[12] = UInt8(etherType >> 8)
        h[13] = UInt8(truncatingIfNeeded: etherType)
    }
}
