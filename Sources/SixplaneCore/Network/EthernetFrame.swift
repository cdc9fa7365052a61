/// An Ethernet frame as a tap device reads and writes it: destination, source, ethertype, payload (no VLAN tag, no
/// FCS).
public struct EthernetFrame: Equatable, Sendable {
    public var destination: MAC
    public var source: MAC
    public var etherType: UInt16
    public var payload: [UInt8]

    public init(destination: MAC, source: MAC, etherType: UInt16, payload: [UInt8]) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
        self.payload = payload
    }

    /// Splits raw frame bytes; nil if shorter than the 14-byte header.
    public init?(bytes: [UInt8]) {
        guard bytes.count >= 14 else { return nil }
        destination = MAC(bytes: bytes[0..<6])
        source = MAC(bytes: bytes[6..<12])
        etherType = UInt16(bytes[12]) << 8 | UInt16(bytes[13])
        payload = Array(bytes[14...])
    }

    public var bytes: [UInt8] {
        destination.bytes + source.bytes + [UInt8(etherType >> 8), UInt8(etherType & 0xff)] + payload
    }
}
