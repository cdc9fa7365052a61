import SixplaneCore

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

    /// An IPv6 packet as a TSO super-segment (cut at an MSS from the first two bytes) and as received segments to
    /// merge (the same bytes, then its segments).
    public static func tapOffloads(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let mss = Int(bytes[0]) << 8 | Int(bytes[1])
        let packet = Array(bytes.dropFirst(2))
        var segments: [[UInt8]] = []
        _ = packet.withUnsafeBytes { TCPSegmenter.cut($0, mss: mss) { segment in if segments.count < 2048 { segments.append(segment) } } }
        var coalescer = TCPCoalescer()
        for frame in [packet] + segments {
            let took = frame.withUnsafeBytes { coalescer.add(source: MAC(rawValue: 2), destination: MAC(rawValue: 4), payload: $0) }
            if !took || coalescer.segments >= TCPCoalescer.maxSegments {
                let merged = coalescer.frame()
                precondition(merged.count <= TCPCoalescer.vnetHeaderLength + EthernetHeader.length + 40 + 65_535)
                coalescer.reset()
            }
        }
    }
}
