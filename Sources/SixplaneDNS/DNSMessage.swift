import SixplaneCore

/// A DNS message (RFC 1035): header, questions and three sections of records. Read with every length checked,
/// names decompressed with loop protection; written with name compression, cut to a size with the TC bit set.
public struct DNSMessage: Hashable, Sendable {
    public struct Header: Hashable, Sendable {
        public var id: UInt16
        public var isResponse = false
        public var opcode: UInt8 = 0
        public var authoritative = false
        public var truncated = false
        public var recursionDesired = false
        public var recursionAvailable = false
        public var rcode: UInt8 = 0
        /// Z, AD and CD (0x0070) as they came: an answer of ours clears them.
        public var otherBits: UInt16 = 0

        public init(id: UInt16) { self.id = id }

        var flags: UInt16 {
            var f = UInt16(opcode & 0x0f) << 11 | UInt16(rcode & 0x0f) | otherBits & 0x0070
            if isResponse { f |= 0x8000 }
            if authoritative { f |= 0x0400 }
            if truncated { f |= 0x0200 }
            if recursionDesired { f |= 0x0100 }
            if recursionAvailable { f |= 0x0080 }
            return f
        }

        init(id: UInt16, flags f: UInt16) {
            self.id = id
            isResponse = f & 0x8000 != 0
            opcode = UInt8((f >> 11) & 0x0f)
            authoritative = f & 0x0400 != 0
            truncated = f & 0x0200 != 0
            recursionDesired = f & 0x0100 != 0
            recursionAvailable = f & 0x0080 != 0
            rcode = UInt8(f & 0x0f)
            otherBits = f & 0x0070
        }
    }

    public enum RCode {
        public static let noError: UInt8 = 0
        public static let formatError: UInt8 = 1
        public static let serverFailure: UInt8 = 2
        public static let nameError: UInt8 = 3
        public static let notImplemented: UInt8 = 4
        public static let refused: UInt8 = 5
    }

    public static let maxSize = 65_535
    /// Bounds no answer of ours comes near; a query past them is refused unread.
    public static let maxQuestions = 4
    public static let maxRecords = 128

    public var header: Header
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authorities: [DNSRecord] = []
    public var additionals: [DNSRecord] = []

    public init(header: Header) { self.header = header }

    // MARK: Reading

    public init(parsing bytes: [UInt8]) throws(DNSError) {
        guard bytes.count <= Self.maxSize else { throw DNSError(.oversize, "\(bytes.count) bytes") }
        var r = Reader(bytes: bytes)
        let id = try r.u16("id"), flags = try r.u16("flags")
        header = Header(id: id, flags: flags)
        let qd = Int(try r.u16("qdcount")), an = Int(try r.u16("ancount")), ns = Int(try r.u16("nscount")), ar = Int(try r.u16("arcount"))
        guard qd <= Self.maxQuestions, an + ns + ar <= Self.maxRecords else {
            throw DNSError(.tooManyRecords, "\(qd) questions, \(an + ns + ar) records")
        }
        for _ in 0..<qd {
            let name = try r.name()
            questions.append(DNSQuestion(name: name, type: try r.u16("qtype"), qclass: try r.u16("qclass")))
        }
        for _ in 0..<an { answers.append(try r.record()) }
        for _ in 0..<ns { authorities.append(try r.record()) }
        for _ in 0..<ar { additionals.append(try r.record()) }
        guard r.offset == bytes.count else { throw DNSError(.oversize, "\(bytes.count - r.offset) bytes after the last record") }
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func u8(_ what: String) throws(DNSError) -> UInt8 {
            guard offset < bytes.count else { throw DNSError(.truncated, "\(what) at \(offset)") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u16(_ what: String) throws(DNSError) -> UInt16 { UInt16(try u8(what)) << 8 | UInt16(try u8(what)) }
        mutating func u32(_ what: String) throws(DNSError) -> UInt32 { UInt32(try u16(what)) << 16 | UInt32(try u16(what)) }

        mutating func take(_ count: Int, _ what: String) throws(DNSError) -> ArraySlice<UInt8> {
            guard count <= bytes.count - offset else { throw DNSError(.truncated, "\(what): \(count) bytes at \(offset)") }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        /// A name, following compression pointers only backwards (each before the last one followed) and at most
        /// `DNSName.maxPointers` of them; the reader ends up after the name's bytes in place.
        mutating func name() throws(DNSError) -> DNSName {
            var labels: [[UInt8]] = []
            var length = 1
            var position = offset
            var resume: Int?
            var lowest = offset
            var pointers = 0
            while true {
                guard position < bytes.count else { throw DNSError(.truncated, "name at \(position)") }
                let byte = bytes[position]
                switch byte & 0xc0 {
                case 0x00:
                    position += 1
                    if byte == 0 {
                        offset = resume ?? position
                        return DNSName(validated: labels)
                    }
                    let count = Int(byte)
                    guard count <= bytes.count - position else { throw DNSError(.truncated, "label at \(position)") }
                    length += 1 + count
                    guard length <= DNSName.maxLength else { throw DNSError(.nameTooLong, "name at \(offset) over \(DNSName.maxLength) bytes") }
                    labels.append(Array(bytes[position..<position + count]))
                    position += count
                case 0xc0:
                    guard position + 1 < bytes.count else { throw DNSError(.truncated, "pointer at \(position)") }
                    let target = Int(byte & 0x3f) << 8 | Int(bytes[position + 1])
                    pointers += 1
                    guard target < lowest, pointers <= DNSName.maxPointers else {
                        throw DNSError(.compressionLoop, "pointer at \(position) to \(target)")
                    }
                    if resume == nil { resume = position + 2 }
                    lowest = target
                    position = target
                default:
                    throw DNSError(.badLabel, "label type \(byte >> 6) at \(position)")
                }
            }
        }

        mutating func record() throws(DNSError) -> DNSRecord {
            let name = try name()
            let type = try u16("type"), rclass = try u16("class"), ttl = try u32("ttl")
            let length = Int(try u16("rdlength"))
            let start = offset
            guard length <= bytes.count - offset else { throw DNSError(.truncated, "record data of \(length) bytes at \(offset)") }
            let end = offset + length
            let data: DNSRecord.Data
            switch type {
            case DNSType.a where rclass == DNSType.classIN:
                guard length == 4 else { throw DNSError(.badRecordData, "A of \(length) bytes") }
                data = .a(IPv4Address(bytes: try take(4, "A")))
            case DNSType.aaaa where rclass == DNSType.classIN:
                guard length == 16 else { throw DNSError(.badRecordData, "AAAA of \(length) bytes") }
                data = .aaaa(IPv6Address(bytes: try take(16, "AAAA")))
            case DNSType.ptr, DNSType.ns, DNSType.cname:
                let target = try self.name()
                data = type == DNSType.ptr ? .ptr(target) : type == DNSType.ns ? .ns(target) : .cname(target)
            case DNSType.soa:
                let primary = try self.name(), mailbox = try self.name()
                data = .soa(.init(primary: primary, mailbox: mailbox, serial: try u32("serial"), refresh: try u32("refresh"), retry: try u32("retry"), expire: try u32("expire"), minimum: try u32("minimum")))
            default:
                data = .raw(Array(try take(length, "record data")))
            }
            guard offset == end else { throw DNSError(.badRecordData, "type \(type): \(offset - start) of \(length) bytes used") }
            return DNSRecord(name: name, type: type, rclass: rclass, ttl: ttl, data: data)
        }
    }

    // MARK: Writing

    /// The message's bytes with names compressed. Over `limit` (a UDP answer's room), records are left off from the
    /// end and the TC bit is set, so the client asks again over TCP.
    public func serialized(limit: Int = DNSMessage.maxSize) -> [UInt8] {
        var sections = (answers, authorities, additionals)
        var header = self.header
        while true {
            var w = Writer()
            w.u16(header.id)
            w.u16(header.flags)
            for count in [questions.count, sections.0.count, sections.1.count, sections.2.count] { w.u16(UInt16(count)) }
            for q in questions {
                w.name(q.name)
                w.u16(q.type)
                w.u16(q.qclass)
            }
            for r in sections.0 + sections.1 + sections.2 { w.record(r) }
            if w.bytes.count <= limit || sections.0.isEmpty && sections.1.isEmpty && sections.2.isEmpty { return w.bytes }
            // OPT stays: it says how much room the client has.
            if let i = sections.2.lastIndex(where: { $0.type != DNSType.opt }) {
                sections.2.remove(at: i)
            } else if !sections.1.isEmpty {
                sections.1.removeLast()
            } else if !sections.0.isEmpty {
                sections.0.removeLast()
                header.truncated = true
            } else {
                sections.2.removeAll()
            }
        }
    }

    struct Writer {
        var bytes: [UInt8] = []
        /// Offsets of names already written, by their labels folded to lower case.
        var written: [[[UInt8]]: Int] = [:]

        mutating func u16(_ v: UInt16) { bytes += [UInt8(v >> 8), UInt8(v & 0xff)] }
        mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xffff)) }

        mutating func name(_ n: DNSName) {
            let folded = n.labels.map(DNSName.fold)
            for i in 0..<n.labels.count {
                let suffix = Array(folded[i...])
                if let at = written[suffix] {
                    u16(0xc000 | UInt16(at))
                    return
                }
                if bytes.count < 0x3fff { written[suffix] = bytes.count }
                bytes.append(UInt8(n.labels[i].count))
                bytes += n.labels[i]
            }
            bytes.append(0)
        }

        mutating func record(_ r: DNSRecord) {
            name(r.name)
            u16(r.type)
            u16(r.rclass)
            u32(r.ttl)
            let lengthAt = bytes.count
            u16(0)
            switch r.data {
            case .a(let a): bytes += a.bytes
            case .aaaa(let a): bytes += a.bytes
            case .ptr(let n), .ns(let n), .cname(let n): name(n)
            case .soa(let s):
                name(s.primary)
                name(s.mailbox)
                for v in [s.serial, s.refresh, s.retry, s.expire, s.minimum] { u32(v) }
            case .raw(let raw): bytes += raw
            }
            let length = bytes.count - lengthAt - 2
            bytes[lengthAt] = UInt8(length >> 8)
            bytes[lengthAt + 1] = UInt8(length & 0xff)
        }
    }
}
