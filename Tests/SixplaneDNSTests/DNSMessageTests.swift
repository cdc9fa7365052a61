import SixplaneCore
import SixplaneDNS
import Testing

/// The DNS codec: what dig sends reads as it should, answers round trip with names compressed, a big answer is cut
/// to a UDP size with TC set, and malformed messages are refused with their reason.
@Suite struct DNSMessageTests {
    static func hex(_ s: String) -> [UInt8] {
        let digits = Array(s.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    static let qname = "03 77 65 62 02 68 32 03 6c 61 62 07 65 78 61 6d 70 6c 65 00"  // web.h2.lab.example
    /// A query as dig 9.18 sends it: AAAA, recursion desired, AD, and an OPT record with a cookie.
    static let digQuery = hex("1234 0120 0001 0000 0000 0001" + qname + "001c 0001" + "00 0029 04d0 00000000 000c 000a 0008 0102030405060708")

    @Test func readsDigsQuery() throws {
        let m = try DNSMessage(parsing: Self.digQuery)
        #expect(m.header.id == 0x1234 && m.header.recursionDesired && !m.header.isResponse && m.header.opcode == 0)
        #expect(m.questions == [DNSQuestion(name: try DNSName("WEB.h2.Lab.example."), type: DNSType.aaaa)])
        #expect(m.additionals.count == 1 && m.additionals[0].type == DNSType.opt && m.additionals[0].rclass == 1232)
        #expect(m.serialized() == Self.digQuery, "written back byte for byte")
    }

    @Test func answersRoundTripCompressed() throws {
        var m = DNSMessage(header: .init(id: 7))
        m.header.isResponse = true
        m.header.authoritative = true
        let name = try DNSName("web.h2.lab.example")
        m.questions = [DNSQuestion(name: name, type: DNSType.aaaa)]
        m.answers = [
            .aaaa(name, try IPv6Address(parsing: "fc9c:56c2:e39d:2a4f:11c3:1:0:1"), ttl: 5),
            .aaaa(name, try IPv6Address(parsing: "fd80:56c2:e21c:0:199:9300:0:1"), ttl: 5),
        ]
        m.authorities = [DNSRecord(name: try DNSName("lab.example"), type: DNSType.soa, ttl: 5, data: .soa(.init(primary: try DNSName("ns.lab.example"), mailbox: try DNSName("hostmaster.lab.example"), serial: 42)))]
        m.additionals = [.a(try DNSName("ns.lab.example"), IPv4Address(10, 147, 17, 1), ttl: 5)]
        let bytes = m.serialized()
        #expect(try DNSMessage(parsing: bytes) == m)
        // The question's name once in full; every later one a pointer or a label and a pointer.
        #expect(bytes.count == 12 + (20 + 4) + 2 * (2 + 10 + 16) + (2 + 10 + (5 + 13 + 20)) + (2 + 10 + 4), "\(bytes.count)")
    }

    @Test func bigAnswersAreCutWithTC() throws {
        var m = DNSMessage(header: .init(id: 9))
        m.header.isResponse = true
        let name = try DNSName("many.lab.example")
        m.questions = [DNSQuestion(name: name, type: DNSType.aaaa)]
        m.answers = (0..<100).map { .aaaa(name, IPv6Address(high: 0xfc00 << 48, low: UInt64($0)), ttl: 5) }
        m.additionals = [DNSRecord(name: .root, type: DNSType.opt, rclass: 1232, ttl: 0, data: .raw([]))]
        let cut = m.serialized(limit: 512)
        let back = try DNSMessage(parsing: cut)
        #expect(cut.count <= 512 && back.header.truncated && back.answers.count < 100 && back.answers.count > 10)
        #expect(back.additionals.map(\.type) == [DNSType.opt], "OPT stays")
        #expect(try DNSMessage(parsing: m.serialized()).answers.count == 100)
    }

    @Test(arguments: [
        ("short header", "1234 0100 0001", DNSError.Reason.truncated),
        ("question cut", "1234 0100 0001 0000 0000 0000 03 77 65", .truncated),
        ("pointer to itself", "1234 0100 0001 0000 0000 0000 c0 0c 0001 0001", .compressionLoop),
        ("forward pointer", "1234 0100 0001 0000 0000 0000 c0 20 0001 0001", .compressionLoop),
        ("two pointers in a ring", "1234 0100 0001 0000 0000 0000 01 61 c0 0e 0001 0001 c0 0c", .compressionLoop),
        ("label type 01", "1234 0100 0001 0000 0000 0000 41 61 00 0001 0001", .badLabel),
        ("label of 64", "1234 0100 0001 0000 0000 0000 40" + String(repeating: "61", count: 64) + "00 0001 0001", .badLabel),
        ("name over 255", "1234 0100 0001 0000 0000 0000" + String(repeating: "3f" + String(repeating: "61", count: 63), count: 4) + "00 0001 0001", .nameTooLong),
        ("trailing bytes", "1234 0100 0001 0000 0000 0000 00 0001 0001 ff", .oversize),
        ("A of 5 bytes", "1234 8100 0000 0001 0000 0000 00 0001 0001 00000005 0005 0a00000102", .badRecordData),
        ("record data cut", "1234 8100 0000 0001 0000 0000 00 001c 0001 00000005 0010 fc00", .truncated),
        ("too many records", "1234 8100 0000 00ff 00ff 0000", .tooManyRecords),
        ("too many questions", "1234 0100 0005 0000 0000 0000", .tooManyRecords),
        ("PTR data past its length", "1234 8100 0000 0001 0000 0000 00 000c 0001 00000005 0001 01 61 00", .badRecordData),
    ] as [(String, String, DNSError.Reason)])
    func malformed(what: String, bytes: String, reason: DNSError.Reason) {
        do {
            let m = try DNSMessage(parsing: Self.hex(bytes))
            Issue.record("\(what): read as \(m)")
        } catch {
            #expect(error.reason == reason, "\(what): \(error)")
        }
    }

    @Test func namesCompareWithoutCaseAndKnowTheirZone() throws {
        let zone = try DNSName("Lab.Example.")
        let name = try DNSName("web.h2.lab.example")
        #expect(name.isWithin(zone) && !zone.isWithin(name))
        #expect(name.relative(to: zone)?.map { String(decoding: $0, as: UTF8.self) } == ["web", "h2"])
        #expect(Set([try DNSName("A.b"), try DNSName("a.B")]).count == 1)
        #expect(throws: DNSError.self) { try DNSName(String(repeating: "a", count: 64) + ".example") }
        #expect(throws: DNSError.self) { try DNSName("a..b") }
        #expect(DNSName.root.description == "." && name.description == "web.h2.lab.example")
    }
}
