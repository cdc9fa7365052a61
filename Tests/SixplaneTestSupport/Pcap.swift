import SixplaneCore

/// A minimal reader for classic pcap files (Ethernet link type) and the UDP datagrams in them.
public struct Pcap: Sendable {
    public struct Record: Sendable {
        public var seconds: UInt32
        public var microseconds: UInt32
        public var data: [UInt8]
        /// Milliseconds since the epoch.
        public var time: Int64 { Int64(seconds) * 1000 + Int64(microseconds) / 1000 }
    }

    public struct Datagram: Sendable {
        public var time: Int64
        public var source: InetAddress
        public var destination: InetAddress
        public var payload: [UInt8]
    }

    public var records: [Record] = []

    public init(bytes: [UInt8]) throws {
        var r = LittleEndianReader(bytes)
        guard try r.u32() == 0xa1b2_c3d4 else { throw WireError(.unknownType, "pcap: not a microsecond pcap file") }
        try r.skip(16)
        guard try r.u32() == 1 else { throw WireError(.unknownType, "pcap: link type is not Ethernet") }
        while r.remaining > 0 {
            let seconds = try r.u32(), micro = try r.u32(), captured = try r.u32()
            _ = try r.u32()
            records.append(Record(seconds: seconds, microseconds: micro, data: try r.bytes(Int(captured))))
        }
    }

    /// Ethernet frames of the records (for a tap capture).
    public var frames: [(time: Int64, frame: [UInt8])] { records.map { ($0.time, $0.data) } }

    /// The UDP datagrams, in capture order (IPv4 and IPv6, no IP fragments).
    public var udp: [Datagram] {
        records.compactMap { record in
            let f = record.data
            guard f.count >= 14 else { return nil }
            let etherType = UInt16(f[12]) << 8 | UInt16(f[13])
            var ip = Array(f[14...])
            let proto: UInt8
            let src: IPAddress, dst: IPAddress
            switch etherType {
            case 0x0800:
                guard ip.count >= 20 else { return nil }
                let headerLength = Int(ip[0] & 0x0f) * 4
                let total = Int(ip[2]) << 8 | Int(ip[3])
                proto = ip[9]
                src = .v4(IPv4Address(bytes: ip[12..<16]))
                dst = .v4(IPv4Address(bytes: ip[16..<20]))
                ip = Array(ip[headerLength..<min(ip.count, total)])
            case 0x86dd:
                guard ip.count >= 40 else { return nil }
                proto = ip[6]
                src = .v6(IPv6Address(bytes: ip[8..<24]))
                dst = .v6(IPv6Address(bytes: ip[24..<40]))
                ip = Array(ip[40...])
            default:
                return nil
            }
            guard proto == 17, ip.count >= 8 else { return nil }
            let sport = UInt16(ip[0]) << 8 | UInt16(ip[1]), dport = UInt16(ip[2]) << 8 | UInt16(ip[3])
            let length = Int(ip[4]) << 8 | Int(ip[5])
            return Datagram(
                time: record.time, source: InetAddress(src, port: sport), destination: InetAddress(dst, port: dport),
                payload: Array(ip[8..<min(ip.count, length)]))
        }
    }

    public init(fixture: String) throws {
        try self.init(bytes: Fixtures.data(fixture))
    }
}

private struct LittleEndianReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var remaining: Int { bytes.count - offset }
    mutating func u32() throws -> UInt32 {
        let b = try self.bytes(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }
    mutating func skip(_ n: Int) throws { _ = try bytes(n) }
    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= remaining else { throw WireError(.truncated, "pcap: record runs past the end") }
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }
}
