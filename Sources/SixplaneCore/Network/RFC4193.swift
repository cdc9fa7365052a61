/// RFC4193 addressing: every member of a network gets one unique local address, `fd` ‖ network id ‖ `9993` ‖ node.
///
/// It is assigned with prefix length 88, so the network's /88 is on-link; NDP emulation recognises it by that.
public struct RFC4193: Hashable, Sendable {
    public static let assignedPrefixLength = 88

    public let network: NetworkID
    public let node: Address

    public init(network: NetworkID, node: Address) {
        self.network = network
        self.node = node
    }

    public var address: IPv6Address {
        IPv6Address(
            high: 0xfd << 56 | network.rawValue >> 8,
            low: (network.rawValue & 0xff) << 56 | 0x99 << 48 | 0x93 << 40 | node.rawValue)
    }

    /// `address/88`: what the controller assigns and the interface carries.
    public var assignedAddress: IPPrefix { try! IPPrefix(.v6(address), length: Self.assignedPrefixLength) }

    /// The member's single address as a /128.
    public var hostPrefix: IPPrefix { try! IPPrefix(.v6(address), length: 128) }

    /// The network's /88.
    public var networkPrefix: IPPrefix { assignedAddress.network }

    /// The node an address belongs to if it lies in `network`'s RFC4193 /88.
    public static func owner(of address: IPv6Address, in network: NetworkID) -> Address? {
        let probe = RFC4193(network: network, node: Address(truncating: 0)).address
        guard address.high == probe.high, address.low >> 40 == probe.low >> 40 else { return nil }
        return Address(truncating: address.low)
    }
}
