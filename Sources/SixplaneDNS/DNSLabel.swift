/// Member and container names as DNS labels: what people type ("Web Server 2") is folded to what a resolver can ask
/// for ("web-server-2"), as zeronsd and Docker's embedded DNS do; a name with nothing left has no label.
public enum DNSLabel {
    public static func from(_ name: String) -> String? {
        var out: [UInt8] = []
        for b in name.utf8 {
            switch b {
            case 0x61...0x7a, 0x30...0x39: out.append(b)
            case 0x41...0x5a: out.append(b | 0x20)
            default: if out.last != 0x2d { out.append(0x2d) }
            }
        }
        while out.first == 0x2d { out.removeFirst() }
        while out.last == 0x2d { out.removeLast() }
        if out.count > DNSName.maxLabel { out = Array(out.prefix(DNSName.maxLabel)) }
        while out.last == 0x2d { out.removeLast() }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }
}
