/// The codec on untrusted bytes, for the fuzz target and the corpus replay: a message read is written and read
/// back the same, and cut to 512 bytes it fits (or has no records left to cut: questions alone past 512).
public enum DNSParserExercise {
    public static func run(_ bytes: [UInt8]) {
        guard let message = try? DNSMessage(parsing: bytes) else { return }
        let written = message.serialized()
        guard let again = try? DNSMessage(parsing: written) else { preconditionFailure("a message read could not be read back") }
        precondition(again == message, "a message did not survive a round trip")
        let cut = message.serialized(limit: 512)
        precondition(cut.count <= 512 || (try? DNSMessage(parsing: cut)).map { $0.answers.isEmpty && $0.authorities.isEmpty && $0.additionals.isEmpty } == true, "cut past 512")
    }
}
