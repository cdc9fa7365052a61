/// The signature block every credential but the COM carries: `type(1)=1 length(2)=96 sig(96)`; other types are
/// skipped by their length.
enum CredentialSignature {
    static func read(_ r: inout ByteReader) throws(WireError) -> [UInt8] {
        let type = try r.readUInt8("signature type")
        let length = try r.readUInt16("signature length")
        if type == 1 {
            guard length == 96 else {
                throw WireError(.malformed, "\(r.context): signature length \(length), expected 96")
            }
            return try r.readBytes(96, "signature")
        }
        try r.skip(Int(length), "signature")
        return []
    }

    static func write(_ signature: [UInt8], to out: inout [UInt8]) {
        out.append(1)
        out.appendUInt16(96)
        out += signature.count == 96 ? signature : [UInt8](repeating: 0, count: 96)
    }

    /// Every credential ends with a 2-byte length of extension fields (0 today), which readers skip.
    static func skipExtensions(_ r: inout ByteReader) throws(WireError) {
        let length = try r.readUInt16("extension length")
        try r.skip(Int(length), "extensions")
    }

    /// The signed form: 0x7f×8 ‖ body without the signature block ‖ 00 00 ‖ 0x7f×8.
    static func framed(_ body: [UInt8]) -> [UInt8] {
        let marker = [UInt8](repeating: 0x7f, count: 8)
        return marker + body + [0, 0] + marker
    }
}
