/// 6PLANE addressing: every member of a network owns an IPv6 /80 derived from the network id and its address.
///
/// `fc` ‖ 32-bit network hash ‖ 40-bit node address ‖ 48 free bits. The network hash is the XOR of the network id's
/// two 32-bit halves. The member's own interface address is `…::1` carried with prefix length 40, so the whole
/// network /40 is on-link; the 48 free bits are never looked at, which is what hands the /80 to the member.
public struct SixPlane: Hashable, Sendable {
    /// The prefix length a 6PLANE address is assigned with; NDP emulation recognises the address by it.
    public static let assignedPrefixLength = 40
    public static let hostPrefixLength = 80

    public let network: NetworkID
    public let node: Address

    public init(network: NetworkID, node: Address) {
        self.network = network
        self.node = node
    }

    /// (nwid >> 32) XOR (nwid & 0xffffffff).
    public static func networkHash(_ network: NetworkID) -> UInt32 {
        UInt32(truncatingIfNeeded: network.rawValue >> 32) ^ UInt32(truncatingIfNeeded: network.rawValue)
    }

    /// The first 64 bits of every address in the member's /80 up to the node address.
    private var high: UInt64 {
        0xfc << 56 | UInt64(Self.networkHash(network)) << 24 | node.rawValue >> 16
    }

    /// The member's own address, `…::1`.
    public var address: IPv6Address { address(interfaceID: 1) }

    /// The address in the member's /80 whose free 48 bits are `interfaceID` (a container's, say).
    public func address(interfaceID: UInt64) -> IPv6Address {
        IPv6Address(high: high, low: (node.rawValue & 0xffff) << 48 | interfaceID & 0xffff_ffff_ffff)
    }

    /// `…::1/40`: what the controller assigns and the interface carries.
    public var assignedAddress: IPPrefix { try! IPPrefix(.v6(address), length: Self.assignedPrefixLength) }

    /// The member's /80, what `dockerd --fixed-cidr-v6` takes.
    public var hostPrefix: IPPrefix { try! IPPrefix(.v6(address), length: Self.hostPrefixLength).network }

    /// The network's /40.
    public var networkPrefix: IPPrefix { assignedAddress.network }

    /// The node whose /80 holds `address` if it lies in `network`'s 6PLANE /40.
    public static func owner(of address: IPv6Address, in network: NetworkID) -> Address? {
        let expected = 0xfc << 32 | UInt64(networkHash(network))
        guard address.high >> 24 == expected else { return nil }
        return Address(truncating: (address.high & 0xff_ffff) << 16 | address.low >> 48)
    }
}
