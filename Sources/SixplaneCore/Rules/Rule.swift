/// One rule of a network's rule table: an action, or a match that gates the actions after it.
///
/// Wire form `type(1) length(1) field(length)`. The type byte's low 6 bits are the rule type, 0x80 negates a match
/// and 0x40 ORs it with the previous match instead of ANDing. The field is kept as received so that unknown rule
/// types survive a round trip and re-encoding gives the same bytes.
public struct Rule: Equatable, Sendable, CustomStringConvertible {
    public var typeByte: UInt8
    public var field: [UInt8]

    public static let notBit: UInt8 = 0x80
    public static let orBit: UInt8 = 0x40

    public init(typeByte: UInt8, field: [UInt8] = []) {
        self.typeByte = typeByte
        self.field = field
    }

    public init(_ type: RuleType, field: [UInt8] = [], not: Bool = false, or: Bool = false) {
        self.init(typeByte: type.rawValue | (not ? Self.notBit : 0) | (or ? Self.orBit : 0), field: field)
    }

    public static let accept = Rule(.actionAccept)
    public static let drop = Rule(.actionDrop)

    public var type: RuleType? { RuleType(rawValue: typeByte & 0x3f) }
    public var isNot: Bool { typeByte & Self.notBit != 0 }
    public var isOr: Bool { typeByte & Self.orBit != 0 }
    /// Actions are types 0…15, matches the rest.
    public var isAction: Bool { typeByte & 0x3f <= 15 }

    public init(reading r: inout ByteReader) throws(WireError) {
        typeByte = try r.readUInt8("rule type")
        let length = try r.readUInt8("rule field length")
        field = try r.readBytes(Int(length), "rule field")
        // Longer fields are allowed (a later version may extend one; the length skips the rest), shorter are not.
        if let type, let expected = type.fieldLength, field.count < expected {
            throw WireError(.malformed, "\(r.context): rule \(type) has a \(field.count)-byte field, needs \(expected)")
        }
    }

    public func write(to out: inout [UInt8]) {
        out.append(typeByte)
        out.append(UInt8(field.count))
        out += field
    }

    /// Rules back to back, as in a config's `R` and a capability.
    public static func encode(_ rules: [Rule]) -> [UInt8] {
        var out: [UInt8] = []
        for rule in rules { rule.write(to: &out) }
        return out
    }

    public static func decode(_ bytes: [UInt8], maxRules: Int = 1024) throws(WireError) -> [Rule] {
        var r = ByteReader(bytes, context: "rules")
        var rules: [Rule] = []
        while !r.isAtEnd {
            rules.append(try Rule(reading: &r))
            guard rules.count <= maxRules else { throw WireError(.oversize, "rules: more than \(maxRules)") }
        }
        return rules
    }

    // MARK: Constructors for the matches a 6PLANE network uses

    public static func etherType(_ value: UInt16, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchEtherType, field: [UInt8(value >> 8), UInt8(value & 0xff)], not: not, or: or)
    }

    public static func ipProtocol(_ value: UInt8, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchIPProtocol, field: [value], not: not, or: or)
    }

    public static func ipv6Source(_ prefix: IPv6Address, length: UInt8, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchIPv6Source, field: prefix.bytes + [length], not: not, or: or)
    }

    public static func ipv6Destination(_ prefix: IPv6Address, length: UInt8, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchIPv6Destination, field: prefix.bytes + [length], not: not, or: or)
    }

    public static func ipv4Source(_ prefix: IPv4Address, length: UInt8, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchIPv4Source, field: prefix.bytes + [length], not: not, or: or)
    }

    public static func ipv4Destination(_ prefix: IPv4Address, length: UInt8, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchIPv4Destination, field: prefix.bytes + [length], not: not, or: or)
    }

    public static func destinationPortRange(_ range: ClosedRange<UInt16>, not: Bool = false, or: Bool = false) -> Rule {
        var f: [UInt8] = []
        f.appendUInt16(range.lowerBound)
        f.appendUInt16(range.upperBound)
        return Rule(.matchIPDestinationPortRange, field: f, not: not, or: or)
    }

    public static func sourceAddress(_ address: Address, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchSourceZeroTierAddress, field: address.bytes, not: not, or: or)
    }

    public static func destinationAddress(_ address: Address, not: Bool = false, or: Bool = false) -> Rule {
        Rule(.matchDestinationZeroTierAddress, field: address.bytes, not: not, or: or)
    }

    public static func characteristics(_ mask: UInt64, not: Bool = false, or: Bool = false) -> Rule {
        var f: [UInt8] = []
        f.appendUInt64(mask)
        return Rule(.matchCharacteristics, field: f, not: not, or: or)
    }

    public var description: String {
        (isNot ? "not " : "") + (isOr ? "or " : "") + (type.map { "\($0)" } ?? "type-\(typeByte & 0x3f)")
            + (field.isEmpty ? "" : " " + Hex.encode(field))
    }
}

/// Rule types (ZeroTier's `ZT_VirtualNetworkRuleType`).
public enum RuleType: UInt8, Sendable, CaseIterable {
    case actionDrop = 0
    case actionAccept = 1
    case actionTee = 2
    case actionWatch = 3
    case actionRedirect = 4
    case actionBreak = 5
    case actionPriority = 6
    case matchSourceZeroTierAddress = 24
    case matchDestinationZeroTierAddress = 25
    case matchVLANID = 26
    case matchVLANPCP = 27
    case matchVLANDEI = 28
    case matchMACSource = 29
    case matchMACDestination = 30
    case matchIPv4Source = 31
    case matchIPv4Destination = 32
    case matchIPv6Source = 33
    case matchIPv6Destination = 34
    case matchIPTOS = 35
    case matchIPProtocol = 36
    case matchEtherType = 37
    case matchICMP = 38
    case matchIPSourcePortRange = 39
    case matchIPDestinationPortRange = 40
    case matchCharacteristics = 41
    case matchFrameSizeRange = 42
    case matchRandom = 43
    case matchTagsDifference = 44
    case matchTagsBitwiseAnd = 45
    case matchTagsBitwiseOr = 46
    case matchTagsBitwiseXor = 47
    case matchTagsEqual = 48
    case matchTagSender = 49
    case matchTagReceiver = 50
    case matchIntegerRange = 51

    /// The fixed field length of each known type.
    public var fieldLength: Int? {
        switch self {
        case .actionDrop, .actionAccept, .actionBreak, .actionPriority: 0
        case .actionTee, .actionWatch, .actionRedirect: 14
        case .matchSourceZeroTierAddress, .matchDestinationZeroTierAddress: 5
        case .matchVLANID: 2
        case .matchVLANPCP, .matchVLANDEI: 1
        case .matchMACSource, .matchMACDestination: 6
        case .matchIPv4Source, .matchIPv4Destination: 5
        case .matchIPv6Source, .matchIPv6Destination: 17
        case .matchIPTOS: 3
        case .matchIPProtocol: 1
        case .matchEtherType: 2
        case .matchICMP: 3
        case .matchIPSourcePortRange, .matchIPDestinationPortRange: 4
        case .matchCharacteristics: 8
        case .matchFrameSizeRange: 4
        case .matchRandom: 4
        case .matchTagsDifference, .matchTagsBitwiseAnd, .matchTagsBitwiseOr, .matchTagsBitwiseXor, .matchTagsEqual,
            .matchTagSender, .matchTagReceiver:
            8
        case .matchIntegerRange: 19
        }
    }
}
