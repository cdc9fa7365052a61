/// Why bytes or text from outside could not be turned into a protocol value.
///
/// Every parser in the core throws this one type: the `kind` says what class of problem it was (so callers can count
/// drops by reason) and the `message` names the field and the numbers a person needs to see what went wrong.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// Fewer bytes or characters than the format requires.
        case truncated
        /// A field has a length other than the one the format fixes.
        case wrongLength
        /// Text that should be hexadecimal is not.
        case invalidHex
        /// A type or version byte this implementation does not know.
        case unknownType
        /// A 40-bit address that may never be used (zero or starting with 0xff).
        case reservedAddress
        /// Structurally wrong: too many fields, out-of-range values and the like.
        case malformed
        /// More bytes than the format allows.
        case oversize
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
