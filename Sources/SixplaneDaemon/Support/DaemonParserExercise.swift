import SixplaneCore
import SixplaneDNS

/// The daemon's parsers on untrusted input, for the fuzz targets and the corpus replay: `local.conf`, the files of
/// `networks.d` (local settings and saved configs, and the address and route plan made from them), and the taps'
/// offloads (cutting TSO super-segments, merging received segments). Each must accept or refuse its input with a
/// typed error, never crash, hang, or write past a bound.
public enum DaemonParserExercise {
    public static func localConf(_ bytes: [UInt8]) {
        _ = try? LocalConf(text: String(decoding: bytes, as: UTF8.self))
    }

    /// `<nwid>.local.conf` text, then (after a NUL, if any) the bytes of a saved `<nwid>.conf`.
    public static func networksD(_ bytes: [UInt8]) {
        let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let settings = LocalNetworkSettings(text: String(decoding: bytes[..<split], as: UTF8.self))
        precondition(LocalNetworkSettings(text: settings.text) == settings, "local settings do not survive a round trip")
        guard split < bytes.endIndex, let config = try? NetworkConfig(bytes: Array(bytes[(split + 1)...])) else { return }
        _ = ManagedPlan(config: config, settings: settings)
    }

    /// What a host learns about what it runs and its resolver, on one input: Docker's container list, a CNI book's
    /// pod file, and a resolv.conf given Sixplane's blocks and taken back (what was there before must come back).
    public static func hostNames(_ bytes: [UInt8]) {
        if let named = try? DockerWatcher.hosted(fromList: bytes) {
            var zone = DNSZone(network: NetworkID(rawValue: 0x8056_c2e2_1c00_0001), domain: .root, node: Address(truncating: 0x8056_c2e2_1c),
                ownPrefixes: [SixPlane(network: NetworkID(rawValue: 0x8056_c2e2_1c00_0001), node: Address(truncating: 0x8056_c2e2_1c)).assignedAddress], servers: [])
            zone.setHosted(named)
            precondition(zone.containers.count <= DNSZone.containerLimit)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        _ = PodNames.pod(fromFile: text)
        let entry = ResolvConfBlock.Entry(domain: "lab.example", servers: [.v6(IPv6Address(high: 0xfc00 << 48, low: 1))])
        let own = ResolvConfBlock.removing(from: text)
        let back = ResolvConfBlock.removing(from: ResolvConfBlock.apply([entry], to: text))
        precondition(back == own || back == own + "\n", "resolv.conf does not come back as it was")
    }

    /// An IPv4 or IPv6 packet as a TSO super-segment (cut at an MSS from the first two bytes) and as received
    /// segments to merge (the same bytes, then its segments), labelled with the EtherType of its version nibble.
    public static func tapOffloads(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let mss = Int(bytes[0]) << 8 | Int(bytes[1])
        let packet = Array(bytes.dropFirst(2))
        var segments: [[UInt8]] = []
        _ = packet.withUnsafeBytes { TCPSegmenter.cut($0, mss: mss) { segment in if segments.count < 2048 { segments.append(segment) } } }
        var coalescer = TCPCoalescer()
        let etherType: UInt16 = (packet.first ?? 0) >> 4 == 4 ? 0x0800 : 0x86dd
        for frame in [packet] + segments {
            let took = frame.withUnsafeBytes { coalescer.add(source: MAC(rawValue: 2), destination: MAC(rawValue: 4), etherType: etherType, payload: $0) }
            if !took || coalescer.segments >= TCPCoalescer.maxSegments {
                let merged = coalescer.frame()
                precondition(merged.count <= TCPCoalescer.vnetHeaderLength + EthernetHeader.length + 40 + 65_535)
                coalescer.reset()
            }
        }
    }
}
