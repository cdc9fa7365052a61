/// A 64-bit ZeroTier network id: the controller's 40-bit address followed by a 24-bit network number.
public struct NetworkID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(controller: Address, number: UInt32) {
        rawValue = controller.rawValue << 24 | UInt64(number & 0xff_ffff)
    }

    /// Parses exactly 16 hex digits (either case).
    public init<S: StringProtocol>(hex text: S) throws(WireError) {
        guard text.utf8.count == 16 else {
            throw WireError(.wrongLength, "network id '\(text)' must be exactly 16 hex digits, got \(text.utf8.count)")
        }
        rawValue = try Hex.decodeInteger(text, what: "network id", maxDigits: 16)
    }

    /// The node that answers config requests for this network: the top 40 bits.
    public var controller: Address { Address(truncating: rawValue >> 24) }

    /// The low 24 bits, chosen by the controller.
    public var number: UInt32 { UInt32(rawValue & 0xff_ffff) }

    /// Ids whose first byte is 0xff are controller-less ("ad-hoc") networks.
    public var isAdHoc: Bool { rawValue >> 56 == 0xff }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.appendUInt64(rawValue)
        return out
    }

    public var description: String { Hex.encode(rawValue, digits: 16) }

    public static func < (a: NetworkID, b: NetworkID) -> Bool { a.rawValue < b.rawValue }
}
