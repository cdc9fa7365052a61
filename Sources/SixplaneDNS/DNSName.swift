/// A domain name as labels of bytes; compared without regard to ASCII case (RFC 4343), printed with a trailing dot
/// left off. At most 255 bytes on the wire, labels of 1 to 63 bytes.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    public private(set) var labels: [[UInt8]]

    public static let root = DNSName(validated: [])
    public static let maxLength = 255
    public static let maxLabel = 63
    /// Compression pointers followed while reading one name, at most.
    static let maxPointers = 32

    init(validated labels: [[UInt8]]) { self.labels = labels }

    /// From text ("web.h2.lab.example", with or without the final dot).
    public init(_ text: String) throws(DNSError) {
        var t = Substring(text)
        if t.hasSuffix(".") { t = t.dropLast() }
        let labels = t.isEmpty ? [] : t.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        try self.init(labels: labels)
    }

    public init(labels: [[UInt8]]) throws(DNSError) {
        guard labels.allSatisfy({ !$0.isEmpty && $0.count <= Self.maxLabel }) else {
            throw DNSError(.nameTooLong, "a label is empty or over \(Self.maxLabel) bytes")
        }
        guard labels.reduce(1, { $0 + 1 + $1.count }) <= Self.maxLength else {
            throw DNSError(.nameTooLong, "over \(Self.maxLength) bytes")
        }
        self.labels = labels
    }

    /// Bytes on the wire, uncompressed.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    public var description: String {
        labels.isEmpty ? "." : labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    static func fold(_ label: [UInt8]) -> [UInt8] { label.map { $0 >= 0x41 && $0 <= 0x5a ? $0 | 0x20 : $0 } }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        a.labels.count == b.labels.count && zip(a.labels, b.labels).allSatisfy { fold($0) == fold($1) }
    }

    public func hash(into hasher: inout Hasher) {
        for label in labels { hasher.combine(Self.fold(label)) }
    }

    /// Whether this name is `zone` or below it.
    public func isWithin(_ zone: DNSName) -> Bool {
        labels.count >= zone.labels.count && DNSName(validated: Array(labels.suffix(zone.labels.count))) == zone
    }

    /// The labels above `zone` (nil if not within it): ["web", "h2"] for web.h2.lab.example in lab.example.
    public func relative(to zone: DNSName) -> [[UInt8]]? {
        isWithin(zone) ? Array(labels.prefix(labels.count - zone.labels.count)) : nil
    }

    public func prepending(_ label: String) throws(DNSError) -> DNSName { try DNSName(labels: [Array(label.utf8)] + labels) }
}
