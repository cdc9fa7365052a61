/// Evaluates a rule table against one Ethernet frame, as ZeroTier's filter does.
///
/// Starting with "matched", each match ANDs (or, with the OR bit, ORs) its result, negated if NOT is set, into the
/// running state; a match after a false state is skipped unless it ORs. An action fires if the state is true, and
/// resets the state to true if it does not. DROP and ACCEPT end evaluation; BREAK and the end of the table mean "no
/// match", which drops the frame unless a capability accepts it. TEE and WATCH add a copy target and go on.
public struct RulesEngine {
    public enum Verdict: Equatable, Sendable {
        case accept
        case drop
        /// BREAK, or the end of the table.
        case noMatch
        /// Deliver to this member instead.
        case redirect(Address)
    }

    /// What the engine sees of a frame.
    public struct FrameInfo: Sendable {
        public var sourceAddress: Address
        public var destinationAddress: Address
        public var sourceMAC: MAC
        public var destinationMAC: MAC
        public var etherType: UInt16
        /// The frame after the Ethernet header.
        public var payload: [UInt8]
        public var inbound: Bool
        public var senderIPAuthenticated: Bool

        public init(
            sourceAddress: Address, destinationAddress: Address, sourceMAC: MAC, destinationMAC: MAC,
            etherType: UInt16, payload: [UInt8], inbound: Bool, senderIPAuthenticated: Bool = false
        ) {
            self.sourceAddress = sourceAddress
            self.destinationAddress = destinationAddress
            self.sourceMAC = sourceMAC
            self.destinationMAC = destinationMAC
            self.etherType = etherType
            self.payload = payload
            self.inbound = inbound
            self.senderIPAuthenticated = senderIPAuthenticated
        }
    }

    public static let characteristicInbound: UInt64 = 0x8000_0000_0000_0000
    public static let characteristicMulticast: UInt64 = 0x4000_0000_0000_0000
    public static let characteristicBroadcast: UInt64 = 0x2000_0000_0000_0000
    public static let characteristicSenderIPAuthenticated: UInt64 = 0x1000_0000_0000_0000
    public static let characteristicSenderMACAuthenticated: UInt64 = 0x0800_0000_0000_0000

    /// The verdict and any TEE/WATCH copy targets.
    public static func evaluate(_ rules: [Rule], _ frame: FrameInfo) -> (Verdict, copies: [Address]) {
        var state = true
        var copies: [Address] = []
        let ip = IPInfo(frame)
        for rule in rules {
            guard let type = rule.type else {
                // Unknown matches evaluate to "no" (ZeroTier: the unsupported-match flag); unknown actions are ignored.
                if !rule.isAction, state || rule.isOr {
                    let m = rule.isNot
                    state = rule.isOr ? (state || m) : (state && m)
                }
                continue
            }
            if rule.isAction {
                guard state else {
                    state = true
                    continue
                }
                switch type {
                case .actionDrop: return (.drop, copies)
                case .actionAccept, .actionPriority: return (.accept, copies)
                case .actionBreak: return (.noMatch, copies)
                case .actionTee, .actionWatch:
                    copies.append(Address(truncating: field64(rule.field, 0)))
                case .actionRedirect: return (.redirect(Address(truncating: field64(rule.field, 0))), copies)
                default: break
                }
                continue
            }
            guard state || rule.isOr else { continue }
            let m = match(type, rule.field, frame, ip).map { $0 != rule.isNot } ?? false
            state = rule.isOr ? (state || m) : (state && m)
        }
        return (.noMatch, copies)
    }

    private static func field64(_ f: [UInt8], _ offset: Int) -> UInt64 {
        f[offset..<min(f.count, offset + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func be16(_ f: [UInt8], _ offset: Int) -> UInt16 { UInt16(f[offset]) << 8 | UInt16(f[offset + 1]) }

    /// nil when the match cannot apply to this frame (an IPv4 test on IPv6, say): false whatever NOT says.
    private static func match(_ type: RuleType, _ f: [UInt8], _ frame: FrameInfo, _ ip: IPInfo) -> Bool? {
        switch type {
        case .matchSourceZeroTierAddress: return frame.sourceAddress == Address(bytes: f)
        case .matchDestinationZeroTierAddress: return frame.destinationAddress == Address(bytes: f)
        case .matchVLANID, .matchVLANPCP, .matchVLANDEI: return f.allSatisfy { $0 == 0 }  // no VLAN tags are parsed
        case .matchMACSource: return frame.sourceMAC == MAC(bytes: f)
        case .matchMACDestination: return frame.destinationMAC == MAC(bytes: f)
        case .matchEtherType: return frame.etherType == be16(f, 0)
        case .matchIPv4Source, .matchIPv4Destination:
            guard case .v4(let s, let d) = ip.addresses else { return nil }
            let a = type == .matchIPv4Source ? s : d
            let prefix = try? IPPrefix(.v4(IPv4Address(bytes: f)), length: Int(f[4]))
            return prefix?.contains(.v4(a))
        case .matchIPv6Source, .matchIPv6Destination:
            guard case .v6(let s, let d) = ip.addresses else { return nil }
            let a = type == .matchIPv6Source ? s : d
            let prefix = try? IPPrefix(.v6(IPv6Address(bytes: f)), length: Int(f[16]))
            return prefix?.contains(.v6(a))
        case .matchIPTOS:
            guard let tos = ip.tos else { return nil }
            let v = tos & f[0]
            return v >= f[1] && v <= f[2]
        case .matchIPProtocol:
            guard let p = ip.proto else { return nil }
            return p == f[0]
        case .matchICMP:
            guard let p = ip.proto, p == 1 || p == 58, ip.icmpType != nil else { return nil }
            guard ip.icmpType == f[0] else { return false }
            return f[2] & 0x01 == 0 || ip.icmpCode == f[1]
        case .matchIPSourcePortRange, .matchIPDestinationPortRange:
            guard let ports = ip.ports else { return nil }
            let port = type == .matchIPSourcePortRange ? ports.0 : ports.1
            return port >= be16(f, 0) && port <= be16(f, 2)
        case .matchCharacteristics:
            var bits = ip.tcpFlags
            if frame.inbound { bits |= characteristicInbound }
            if frame.destinationMAC.isMulticast { bits |= characteristicMulticast }
            if frame.destinationMAC.isBroadcast { bits |= characteristicBroadcast }
            if frame.senderIPAuthenticated { bits |= characteristicSenderIPAuthenticated }
            return bits & field64(f, 0) != 0
        case .matchFrameSizeRange:
            let size = UInt16(clamping: frame.payload.count + 14)
            return size >= be16(f, 0) && size <= be16(f, 2)
        default:
            // Random, tags and integer ranges are not evaluated here.
            return nil
        }
    }

    /// The IP-level facts rules look at, parsed once per frame and bounded by the frame's length.
    struct IPInfo {
        enum Addresses {
            case none
            case v4(IPv4Address, IPv4Address)
            case v6(IPv6Address, IPv6Address)
        }

        var addresses: Addresses = .none
        var proto: UInt8?
        var tos: UInt8?
        var ports: (UInt16, UInt16)?
        var icmpType: UInt8?
        var icmpCode: UInt8?
        var tcpFlags: UInt64 = 0

        init(_ frame: FrameInfo) {
            let p = frame.payload
            var transport = -1
            switch frame.etherType {
            case 0x0800 where p.count >= 20 && p[0] >> 4 == 4:
                addresses = .v4(IPv4Address(bytes: p[12..<16]), IPv4Address(bytes: p[16..<20]))
                proto = p[9]
                tos = p[1]
                transport = Int(p[0] & 0x0f) * 4
            case 0x86dd where p.count >= 40 && p[0] >> 4 == 6:
                addresses = .v6(IPv6Address(bytes: p[8..<24]), IPv6Address(bytes: p[24..<40]))
                tos = (p[0] << 4) | (p[1] >> 4)
                var next = p[6]
                var offset = 40
                // Hop-by-hop, routing, destination options: skip to the transport header.
                while [0, 43, 60].contains(next), offset + 8 <= p.count {
                    next = p[offset]
                    offset += (Int(p[offset + 1]) + 1) * 8
                }
                proto = next
                transport = offset
            default:
                return
            }
            guard let proto, transport > 0 else { return }
            switch proto {
            case 6, 17, 132:
                guard transport + 4 <= p.count else { return }
                ports = (UInt16(p[transport]) << 8 | UInt16(p[transport + 1]), UInt16(p[transport + 2]) << 8 | UInt16(p[transport + 3]))
                if proto == 6, transport + 14 <= p.count {
                    tcpFlags = UInt64(p[transport + 12] & 0x0f) << 8 | UInt64(p[transport + 13])
                }
            case 1, 58:
                guard transport + 2 <= p.count else { return }
                icmpType = p[transport]
                icmpCode = p[transport + 1]
            default:
                break
            }
        }
    }
}
