/// A 48-bit Ethernet MAC address.
///
/// On a ZeroTier network every member's MAC is computed from its address and the network id, so a unicast MAC
/// tells which member a frame is for without any lookup.
public struct MAC: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let broadcast = MAC(rawValue: 0xffff_ffff_ffff)

    /// The MAC as an integer below 2⁴⁸; the first octet is the most significant byte.
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue & 0xffff_ffff_ffff }

    public init<C: Collection<UInt8>>(bytes: C) {
        precondition(bytes.count >= 6)
        var v: UInt64 = 0
        for b in bytes.prefix(6) { v = v << 8 | UInt64(b) }
        rawValue = v
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (either case; `-` also accepted as separator).
    public init<S: StringProtocol>(parsing text: S) throws(WireError) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else {
            throw WireError(.malformed, "MAC '\(text)' must be six ':'-separated hex octets")
        }
        var v: UInt64 = 0
        for part in parts {
            guard part.utf8.count == 2 else {
                throw WireError(.malformed, "MAC '\(text)': octet '\(part)' must be two hex digits")
            }
            v = v << 8 | (try Hex.decodeInteger(part, what: "MAC octet", maxDigits: 2))
        }
        rawValue = v
    }

    /// The MAC of `node` on `network`.
    ///
    /// First octet: the network id's low byte with the multicast bit cleared and the locally-administered bit set
    /// (0x52 becomes 0x32, a value hypervisors use). The other five octets are the address XORed with network id
    /// bytes 1…5 taken in ascending significance.
    public init(node: Address, network: NetworkID) {
        rawValue = UInt64(Self.firstOctet(network)) << 40 | (node.rawValue ^ Self.mask(network))
    }

    static func firstOctet(_ network: NetworkID) -> UInt8 {
        let a = UInt8(truncatingIfNeeded: network.rawValue & 0xfe) | 0x02
        return a == 0x52 ? 0x32 : a
    }

    static func mask(_ network: NetworkID) -> UInt64 {
        let n = network.rawValue
        var m: UInt64 = 0
        for shift in stride(from: 8, through: 40, by: 8) {
            m = m << 8 | ((n >> UInt64(shift)) & 0xff)
        }
        return m
    }

    /// The member this MAC belongs to on `network`, or nil if its first octet is not that network's.
    public func node(on network: NetworkID) -> Address? {
        guard UInt8(truncatingIfNeeded: rawValue >> 40) == Self.firstOctet(network) else { return nil }
        return Address(truncating: (rawValue & Address.mask) ^ Self.mask(network))
    }

    public var isMulticast: Bool { rawValue >> 40 & 0x01 != 0 }
    public var isBroadcast: Bool { self == .broadcast }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.appendInteger(rawValue, count: 6)
        return out
    }

    public var description: String {
        bytes.map { Hex.encode([$0]) }.joined(separator: ":")
    }

    public static func < (a: MAC, b: MAC) -> Bool { a.rawValue < b.rawValue }
}

extension MAC {
    /// fe80:: with this MAC's modified EUI-64: the link-local address a kernel gives an interface with this MAC
    /// (1.14.1's taps carry exactly that one).
    public var linkLocalAddress: IPv6Address {
        let top = (rawValue >> 24) ^ 0x02_0000
        return IPv6Address(high: 0xfe80_0000_0000_0000, low: top << 40 | 0xff_fe00_0000 | (rawValue & 0xff_ffff))
    }
}
