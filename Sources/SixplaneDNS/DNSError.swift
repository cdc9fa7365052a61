/// Why a DNS message could not be read or written: each a counted reason, never a crash.
public struct DNSError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Reason: String, Sendable, CaseIterable {
        /// The message ends inside a header, name, question or record.
        case truncated
        /// A label over 63 bytes, or a name over 255.
        case nameTooLong
        /// A compression pointer that does not point strictly backwards, or too many of them.
        case compressionLoop
        /// Label type bits 01 or 10 (extended labels: unused).
        case badLabel
        /// More questions or records than any answer of ours needs.
        case tooManyRecords
        /// A message over 65,535 bytes, or bytes after the last record.
        case oversize
        /// Record data that does not fit its type (an A record of 5 bytes).
        case badRecordData
    }

    public var reason: Reason
    public var detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "DNS \(reason.rawValue): \(detail)" }
}
