import SixplaneCore
import SixplaneDaemon
import Testing

/// Sixplane's part of a resolv.conf: its servers first, its domains in the last search line ahead of the file's own,
/// and taken out again leaving the file exactly as it was.
@Suite struct ResolvConfBlockTests {
    static let server = try! IPAddress(parsing: "fc8f:12a2:cd11:2233:4455::1")
    static let entry = ResolvConfBlock.Entry(domain: "lab.example", servers: [server])

    @Test(arguments: [
        "nameserver 10.0.0.2\nsearch corp.example\n",
        "# generated\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions edns0\n",
        "",
        "nameserver 10.0.0.2",
        "domain corp.example\nnameserver 1.1.1.1\n",
        // CRLF endings, and a last line ending in a carriage return (found by fuzzing: "\r\n" is one Character).
        "nameserver 10.0.0.2\r\nsearch corp.example\r\n",
        "(012345U678\u{0}\r",
    ])
    func addsAndTakesBack(original: String) throws {
        let added = ResolvConfBlock.apply([Self.entry], to: original)
        let lines = added.utf8.split(separator: 0x0a).map { String(decoding: $0, as: UTF8.self) }.filter { !$0.hasPrefix("#") }
        #expect(lines.first == "nameserver \(Self.server)", "asked first: \(added)")
        let own = original.utf8.split(separator: 0x0a).map { String(decoding: $0, as: UTF8.self) }.last { $0.hasPrefix("search ") || $0.hasPrefix("domain ") }
            .map { $0.split(separator: " ").dropFirst().map(String.init) } ?? []
        #expect(lines.last == (["search", "lab.example"] + own).joined(separator: " "), "the last search line counts: \(added)")
        // (A file without its final newline gets one.)
        let restored = original.isEmpty || original.utf8.last == 0x0a ? original : original + "\n"
        #expect(ResolvConfBlock.removing(from: added) == restored)
        #expect(ResolvConfBlock.apply([], to: added) == restored)
        #expect(ResolvConfBlock.apply([Self.entry], to: added) == added, "applying twice is applying once")
    }

    @Test func twoNetworksAndTheServerLimit() throws {
        let servers = try ["fc00::1", "fc00::2", "10.1.0.1", "10.1.0.2"].map { try IPAddress(parsing: $0) }
        let two = [ResolvConfBlock.Entry(domain: "a.example", servers: Array(servers[0...1])), ResolvConfBlock.Entry(domain: "b.example", servers: Array(servers[2...3]))]
        let added = ResolvConfBlock.apply(two, to: "nameserver 10.0.0.2\n")
        let lines = added.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.filter { $0.hasPrefix("nameserver") }.count == 3, "two of ours, then the file's: glibc reads three")
        #expect(lines.filter { $0.hasPrefix("nameserver") }.last == "nameserver 10.0.0.2")
        #expect(ResolvConfBlock.apply(two, to: "").split(separator: "\n").filter { $0.hasPrefix("nameserver") }.count == 3, "a file without servers: three of ours")
        #expect(lines.last == "search a.example b.example")
        #expect(ResolvConfBlock.removing(from: added) == "nameserver 10.0.0.2\n")
    }
}
