/// A multicast group on a ZeroTier network: a multicast MAC and a 32-bit "additional distinguishing information".
///
/// The ADI is 0 except for IPv4 ARP, where the group is (broadcast, target IPv4 address) so that only the holder of
/// an address receives requests for it.
public struct MulticastGroup: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var mac: MAC
    public var adi: UInt32

    public init(mac: MAC, adi: UInt32 = 0) {
        self.mac = mac
        self.adi = adi
    }

    public static let broadcast = MulticastGroup(mac: .broadcast)

    /// The group ARP requests for `ip` go to.
    public static func arp(_ ip: IPv4Address) -> MulticastGroup { MulticastGroup(mac: .broadcast, adi: ip.rawValue) }

    /// The solicited-node group of an IPv6 address: 33:33:ff + its last three bytes.
    public static func solicitedNode(_ ip: IPv6Address) -> MulticastGroup {
        MulticastGroup(mac: MAC(rawValue: 0x3333_ff00_0000 | (ip.low & 0xff_ffff)))
    }

    public init(reading reader: inout ByteReader) throws(WireError) {
        mac = MAC(rawValue: try reader.readInteger(6, "multicast MAC"))
        adi = try reader.readUInt32("multicast ADI")
    }

    public func write(to out: inout [UInt8]) {
        out.appendInteger(mac.rawValue, count: 6)
        out.appendUInt32(adi)
    }

    public var description: String { "\(mac)/\(Hex.encode(UInt64(adi), digits: 8))" }

    public static func < (a: MulticastGroup, b: MulticastGroup) -> Bool { (a.mac, a.adi) < (b.mac, b.adi) }
}
