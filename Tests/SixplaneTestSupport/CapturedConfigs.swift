import SixplaneCore

/// The configs the real 1.14.1 controller sent in the capture, with the request metadata they answered.
public enum CapturedConfigs {
    public struct Captured: Sendable {
        public var dictionary: [UInt8]
        public var config: NetworkConfig
    }

    /// Every config chunk ctl sent to `member` ("a" or "b"), in capture order.
    public static func configs(for member: String) throws -> [Captured] {
        let testbed = try Testbed()
        let target = try Address(hex: Testbed.address(member))
        var out: [Captured] = []
        for d in try Pcap(fixture: "zt-1.14.1/pcap/00-all-underlay-br0.pcap").udp {
            var packet = d.payload
            guard packet.count >= Packet.minimumLength, packet[13] != 0xff, packet[Packet.flagsOffset] & 0x40 == 0,
                let header = try? PacketHeader(packet), header.destination == target,
                let keys = testbed.keys(header.source, header.destination),
                case .success(let opened) = PacketCodec.open(&packet, keys: keys),
                let message = try? Message(verb: opened.verb, payload: opened.payload)
            else { continue }
            switch message {
            case .ok(_, .networkConfig(let chunk)), .networkConfig(let chunk):
                if !out.contains(where: { $0.dictionary == chunk.data }) {
                    out.append(Captured(dictionary: chunk.data, config: try NetworkConfig(bytes: chunk.data)))
                }
            default: continue
            }
        }
        return out
    }

    /// The metadata a 1.14.1 member sends (`o` as in the capture).
    public static let metadata = NetworkConfigRequest.standardMetadata(os: "linux/x86_64")
}
