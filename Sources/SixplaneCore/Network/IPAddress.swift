/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Either family's text form.
    public init<S: StringProtocol>(parsing text: S) throws(WireError) {
        if text.contains(":") {
            self = .v6(try IPv6Address(parsing: text))
        } else {
            self = .v4(try IPv4Address(parsing: text))
        }
    }

    public var bitWidth: Int {
        switch self {
        case .v4: 32
        case .v6: 128
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): a.bytes
        case .v6(let a): a.bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    /// The address with every bit past the first `length` cleared.
    public func masked(to length: Int) -> IPAddress {
        switch self {
        case .v4(let a):
            let l = max(0, min(32, length))
            let mask: UInt32 = l == 0 ? 0 : ~UInt32(0) << UInt32(32 - l)
            return .v4(IPv4Address(rawValue: a.rawValue & mask))
        case .v6(let a):
            let l = max(0, min(128, length))
            let highMask: UInt64 = l >= 64 ? ~0 : (l == 0 ? 0 : ~UInt64(0) << UInt64(64 - l))
            let lowMask: UInt64 = l <= 64 ? 0 : (l == 128 ? ~0 : ~UInt64(0) << UInt64(128 - l))
            return .v6(IPv6Address(high: a.high & highMask, low: a.low & lowMask))
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        switch (a, b) {
        case (.v4(let x), .v4(let y)): x < y
        case (.v6(let x), .v6(let y)): x < y
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}

/// An address with a prefix length, written `address/length`.
///
/// ZeroTier uses this one shape both for an interface address (`fc…::1/40`: the host bits are kept) and for a
/// network (`fc…::/40`); `network` gives the latter from the former.
public struct IPPrefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let length: Int

    public init(_ address: IPAddress, length: Int) throws(WireError) {
        guard length >= 0, length <= address.bitWidth else {
            throw WireError(.malformed, "prefix length \(length) is out of range for \(address)")
        }
        self.address = address
        self.length = length
    }

    /// `address/length`; a bare address means the full length (/32 or /128).
    public init<S: StringProtocol>(parsing text: S) throws(WireError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = try IPAddress(parsing: parts[0])
        var length = address.bitWidth
        if parts.count == 2 {
            guard let l = Int(parts[1]), parts[1].utf8.count <= 3 else {
                throw WireError(.malformed, "'\(text)': prefix length '\(parts[1])' is not a number")
            }
            length = l
        }
        try self.init(address, length: length)
    }

    /// The prefix with the host bits cleared.
    public var network: IPPrefix { try! IPPrefix(address.masked(to: length), length: length) }

    public func contains(_ other: IPAddress) -> Bool {
        other.bitWidth == address.bitWidth && other.masked(to: length) == address.masked(to: length)
    }

    public var description: String { "\(address)/\(length)" }

    public static func < (a: IPPrefix, b: IPPrefix) -> Bool { (a.address, a.length) < (b.address, b.length) }
}
