import SixplaneCore

/// The reverse-lookup names of addresses: `ip6.arpa` nibbles, `in-addr.arpa` octets (RFC 3596, RFC 1035 §3.5).
public enum ReverseName {
    public static let ip6 = try! DNSName("ip6.arpa")
    public static let ipv4 = try! DNSName("in-addr.arpa")

    public static func name(of address: IPAddress) -> DNSName {
        switch address {
        case .v4(let a):
            return try! DNSName(labels: a.bytes.reversed().map { Array(String($0).utf8) } + ipv4.labels)
        case .v6(let a):
            var labels: [[UInt8]] = []
            for byte in a.bytes.reversed() { labels += [[hex(byte & 0x0f)], [hex(byte >> 4)]] }
            return try! DNSName(labels: labels + ip6.labels)
        }
    }

    /// The name of a prefix whose length is a multiple of 4 (IPv6) or 8 (IPv4): the zone a host's /80 is in.
    public static func zone(of prefix: IPPrefix) -> DNSName {
        let full = name(of: prefix.address).labels
        let keep: Int
        switch prefix.address {
        case .v4: keep = prefix.length / 8
        case .v6: keep = prefix.length / 4
        }
        return try! DNSName(labels: Array(full.suffix(keep + 2)))
    }

    /// The address a full reverse name stands for; nil for anything else (a partial name, a bad label).
    public static func address(of name: DNSName) -> IPAddress? {
        if let rest = name.relative(to: ip6), rest.count == 32 {
            var bytes = [UInt8](repeating: 0, count: 16)
            for (i, label) in rest.enumerated() {
                guard label.count == 1, let v = nibble(label[0]) else { return nil }
                let byte = 15 - i / 2
                bytes[byte] |= i % 2 == 0 ? v : v << 4
            }
            return .v6(IPv6Address(bytes: bytes))
        }
        if let rest = name.relative(to: ipv4), rest.count == 4 {
            var bytes: [UInt8] = []
            for label in rest.reversed() {
                guard (1...3).contains(label.count), label.allSatisfy({ (0x30...0x39).contains($0) }),
                    label.count == 1 || label[0] != 0x30, let v = UInt8(String(decoding: label, as: UTF8.self))
                else { return nil }
                bytes.append(v)
            }
            return .v4(IPv4Address(bytes: bytes))
        }
        return nil
    }

    private static func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x61 + v - 10 }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
