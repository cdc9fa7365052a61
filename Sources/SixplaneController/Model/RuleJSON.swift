import SixplaneCore
import SixplaneJSON

/// Rules in the controller's JSON form (`{"type": "MATCH_ETHERTYPE", "etherType": 2048, "not": true, "or": false}`)
/// and their wire encoding. Posting rules normalizes them the way ZeroTier does: parsed, then rendered back.
public enum RuleJSON {
    static let names: [(String, RuleType)] = [
        ("ACTION_DROP", .actionDrop), ("ACTION_ACCEPT", .actionAccept), ("ACTION_TEE", .actionTee),
        ("ACTION_WATCH", .actionWatch), ("ACTION_REDIRECT", .actionRedirect), ("ACTION_BREAK", .actionBreak),
        ("MATCH_SOURCE_ZEROTIER_ADDRESS", .matchSourceZeroTierAddress),
        ("MATCH_DEST_ZEROTIER_ADDRESS", .matchDestinationZeroTierAddress), ("MATCH_VLAN_ID", .matchVLANID),
        ("MATCH_VLAN_PCP", .matchVLANPCP), ("MATCH_VLAN_DEI", .matchVLANDEI), ("MATCH_MAC_SOURCE", .matchMACSource),
        ("MATCH_MAC_DEST", .matchMACDestination), ("MATCH_IPV4_SOURCE", .matchIPv4Source),
        ("MATCH_IPV4_DEST", .matchIPv4Destination), ("MATCH_IPV6_SOURCE", .matchIPv6Source),
        ("MATCH_IPV6_DEST", .matchIPv6Destination), ("MATCH_IP_TOS", .matchIPTOS),
        ("MATCH_IP_PROTOCOL", .matchIPProtocol), ("MATCH_ETHERTYPE", .matchEtherType), ("MATCH_ICMP", .matchICMP),
        ("MATCH_IP_SOURCE_PORT_RANGE", .matchIPSourcePortRange), ("MATCH_IP_DEST_PORT_RANGE", .matchIPDestinationPortRange),
        ("MATCH_CHARACTERISTICS", .matchCharacteristics), ("MATCH_FRAME_SIZE_RANGE", .matchFrameSizeRange),
        ("MATCH_RANDOM", .matchRandom), ("MATCH_TAGS_DIFFERENCE", .matchTagsDifference),
        ("MATCH_TAGS_BITWISE_AND", .matchTagsBitwiseAnd), ("MATCH_TAGS_BITWISE_OR", .matchTagsBitwiseOr),
        ("MATCH_TAGS_BITWISE_XOR", .matchTagsBitwiseXor), ("MATCH_TAGS_EQUAL", .matchTagsEqual),
        ("MATCH_TAG_SENDER", .matchTagSender), ("MATCH_TAG_RECEIVER", .matchTagReceiver),
    ]

    struct Invalid: Error {}

    static func int(_ r: JSON, _ key: String, _ fallback: Int64 = 0) -> UInt64 {
        UInt64(truncatingIfNeeded: r[key]?.intValue ?? fallback)
    }

    static func hex(_ r: JSON, _ key: String) -> UInt64 {
        if let n = r[key]?.intValue { return UInt64(truncatingIfNeeded: n) }
        return (r[key]?.stringValue).flatMap { try? Hex.decodeInteger($0, what: key, maxDigits: 16) } ?? 0
    }

    /// The wire rule of a JSON rule object (INTEGER_RANGE and PRIORITY are dropped, as by the 1.14.1 controller).
    public static func rule(from r: JSON) throws -> Rule {
        guard let name = r["type"]?.stringValue, let type = names.first(where: { $0.0 == name })?.1 else {
            throw Invalid()
        }
        var f: [UInt8] = []
        func u16(_ v: UInt64) { f.appendUInt16(UInt16(truncatingIfNeeded: v)) }
        switch type {
        case .actionDrop, .actionAccept, .actionBreak, .actionPriority: break
        case .actionTee, .actionWatch, .actionRedirect:
            f.appendUInt64(hex(r, "address") & Address.mask)
            f.appendUInt32(UInt32(truncatingIfNeeded: int(r, "flags")))
            u16(int(r, "length"))
        case .matchSourceZeroTierAddress, .matchDestinationZeroTierAddress:
            f.appendInteger(hex(r, "zt"), count: 5)
        case .matchVLANID: u16(int(r, "vlanId"))
        case .matchVLANPCP: f.append(UInt8(truncatingIfNeeded: int(r, "vlanPcp")))
        case .matchVLANDEI: f.append(UInt8(truncatingIfNeeded: int(r, "vlanDei")))
        case .matchMACSource, .matchMACDestination:
            guard let m = r["mac"]?.stringValue, let mac = try? MAC(parsing: m) else { throw Invalid() }
            f += mac.bytes
        case .matchIPv4Source, .matchIPv4Destination, .matchIPv6Source, .matchIPv6Destination:
            let v4 = type == .matchIPv4Source || type == .matchIPv4Destination
            guard let s = r["ip"]?.stringValue, let p = try? IPPrefix(parsing: s), p.address.bitWidth == (v4 ? 32 : 128) else {
                throw Invalid()
            }
            f += p.address.bytes + [UInt8(p.length)]
        case .matchIPTOS:
            f += [UInt8(truncatingIfNeeded: int(r, "mask")), UInt8(truncatingIfNeeded: int(r, "start")), UInt8(truncatingIfNeeded: int(r, "end"))]
        case .matchIPProtocol: f.append(UInt8(truncatingIfNeeded: int(r, "ipProtocol")))
        case .matchEtherType: u16(int(r, "etherType"))
        case .matchICMP:
            let code = r["icmpCode"]?.intValue
            f += [UInt8(truncatingIfNeeded: int(r, "icmpType")), UInt8(truncatingIfNeeded: code ?? 0), code == nil ? 0 : 1]
        case .matchIPSourcePortRange, .matchIPDestinationPortRange, .matchFrameSizeRange:
            let start = int(r, "start")
            u16(start)
            u16(r["end"]?.intValue.map { UInt64(truncatingIfNeeded: $0) } ?? start)
        case .matchCharacteristics: f.appendUInt64(hex(r, "mask"))
        case .matchRandom: f.appendUInt32(UInt32(truncatingIfNeeded: int(r, "probability")))
        case .matchTagsDifference, .matchTagsBitwiseAnd, .matchTagsBitwiseOr, .matchTagsBitwiseXor, .matchTagsEqual,
            .matchTagSender, .matchTagReceiver:
            f.appendUInt32(UInt32(truncatingIfNeeded: int(r, "id")))
            f.appendUInt32(UInt32(truncatingIfNeeded: int(r, "value")))
        case .matchIntegerRange:
            throw Invalid()
        }
        return Rule(type, field: f, not: r["not"]?.boolValue ?? false, or: r["or"]?.boolValue ?? false)
    }

    /// The JSON object of a wire rule.
    public static func json(_ rule: Rule) -> JSON {
        guard let type = rule.type, let name = names.first(where: { $0.1 == type })?.0 else { return [:] }
        let f = rule.field
        func u16(_ o: Int) -> JSON { .int(Int64(UInt16(f[o]) << 8 | UInt16(f[o + 1]))) }
        func u32(_ o: Int) -> JSON { .int(Int64(f[o..<o + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })) }
        var o: [String: JSON] = ["type": .string(name)]
        switch type {
        case .actionTee, .actionWatch, .actionRedirect:
            o["address"] = .string(Address(bytes: f[3..<8]).description)
            o["flags"] = u32(8)
            if type != .actionRedirect { o["length"] = u16(12) }
        case .matchSourceZeroTierAddress, .matchDestinationZeroTierAddress: o["zt"] = .string(Address(bytes: f).description)
        case .matchVLANID: o["vlanId"] = u16(0)
        case .matchVLANPCP: o["vlanPcp"] = .int(Int64(f[0]))
        case .matchVLANDEI: o["vlanDei"] = .int(Int64(f[0]))
        case .matchMACSource, .matchMACDestination: o["mac"] = .string(MAC(bytes: f).description)
        case .matchIPv4Source, .matchIPv4Destination:
            o["ip"] = .string("\(IPv4Address(bytes: f))/\(f[4])")
        case .matchIPv6Source, .matchIPv6Destination:
            o["ip"] = .string("\(IPv6Address(bytes: f))/\(f[16])")
        case .matchIPTOS:
            o["mask"] = .int(Int64(f[0])); o["start"] = .int(Int64(f[1])); o["end"] = .int(Int64(f[2]))
        case .matchIPProtocol: o["ipProtocol"] = .int(Int64(f[0]))
        case .matchEtherType: o["etherType"] = u16(0)
        case .matchICMP:
            o["icmpType"] = .int(Int64(f[0]))
            o["icmpCode"] = f[2] & 1 != 0 ? .int(Int64(f[1])) : .null
        case .matchIPSourcePortRange, .matchIPDestinationPortRange, .matchFrameSizeRange:
            o["start"] = u16(0); o["end"] = u16(2)
        case .matchCharacteristics: o["mask"] = .string(Hex.encode(Array(f.prefix(8))))
        case .matchRandom: o["probability"] = u32(0)
        case .matchTagsDifference, .matchTagsBitwiseAnd, .matchTagsBitwiseOr, .matchTagsBitwiseXor, .matchTagsEqual,
            .matchTagSender, .matchTagReceiver:
            o["id"] = u32(0); o["value"] = u32(4)
        default: break
        }
        o["not"] = .bool(rule.isNot)
        o["or"] = .bool(rule.isOr)
        return .object(o)
    }

    /// Parsed and rendered back (as stored).
    public static func normalized(_ r: JSON) -> JSON {
        (try? rule(from: r)).map(json) ?? r
    }
}
