/// Feeds one untrusted input to every parser the core has, the way bytes from the network reach them.
///
/// Used by the bad-input storm tests and by the libFuzzer entry point (`sixplane-fuzz`): whatever the bytes are,
/// each parser must either accept them or reject them with a typed reason, and never crash or hang.
public final class ParserExercise {
    public let keys: PeerKeys
    public let reassembler: Reassembler
    /// How often each outcome occurred, by name (`"packet.badMAC"`, `"config.truncated"`, …).
    public private(set) var outcomes: [String: Int] = [:]

    public init(keys: PeerKeys, reassemblySlots: Int = 32) {
        self.keys = keys
        reassembler = Reassembler(capacity: reassemblySlots, timeout: 1000)
    }

    private func count(_ name: String) { outcomes[name, default: 0] += 1 }

    /// The input as a received UDP datagram: fragment, head or whole packet, then opened with the peer keys.
    public func datagram(_ bytes: [UInt8], now: Int64) {
        guard bytes.count >= Packet.minimumLength || (bytes.count > 16 && bytes[13] == 0xff) else {
            count("datagram.tooShort")
            return
        }
        var assembled: [UInt8]?
        if bytes[13] == 0xff {
            let outcome = bytes.withUnsafeBytes { reassembler.receiveFragment($0, now: now) { assembled = Array($0) } }
            count("fragment.\(outcome)")
        } else if bytes[Packet.flagsOffset] & Packet.flagFragmented != 0 {
            let outcome = bytes.withUnsafeBytes { reassembler.receiveHead($0, now: now) { assembled = Array($0) } }
            count("head.\(outcome)")
        } else {
            assembled = bytes
        }
        guard var packet = assembled else { return }
        // The node's own opening path, step by step.
        packet.withUnsafeMutableBytes { raw in
            switch PacketCodec.openInPlace(raw, keys: keys) {
            case .success(let header):
                switch PacketCodec.payload(of: raw, header) {
                case .success(let payload):
                    count("packet.opened")
                    message(verb: header.verb, payload: payload)
                case .failure(let failure):
                    count("packet.\(failure)")
                }
            case .failure(let failure):
                count("packet.\(failure)")
            }
        }
    }

    /// The input as the decrypted payload of a packet with `verb`.
    public func message(verb: UInt8, payload: [UInt8]) {
        do {
            _ = try Message(verb: verb, payload: payload)
            count("message.ok")
        } catch {
            count("message.\(error.kind)")
        }
    }

    /// The input as every kind of structure that arrives inside packets or files.
    public func structures(_ bytes: [UInt8]) {
        record("config") { () throws(WireError) in _ = try NetworkConfig(bytes: bytes) }
        record("com") { () throws(WireError) in _ = try CertificateOfMembership(bytes: bytes) }
        record("world") { () throws(WireError) in _ = try World(bytes: bytes) }
        record("dictionary") { () throws(WireError) in _ = try ConfigDictionary(parsing: bytes) }
        record("rules") { () throws(WireError) in _ = try Rule.decode(bytes) }
        record("credentials") { () throws(WireError) in _ = try NetworkCredentials(payload: bytes) }
        record("identity") { () throws(WireError) in
            var r = ByteReader(bytes)
            _ = try Identity(reading: &r)
        }
        switch LZ4.decompress(bytes, limit: Packet.maxLength) {
        case .success: count("lz4.ok")
        case .failure(let f): count("lz4.\(f)")
        }
    }

    private func record(_ what: String, _ body: () throws(WireError) -> Void) {
        do {
            try body()
            count("\(what).ok")
        } catch {
            count("\(what).\(error.kind)")
        }
    }

    /// Everything at once, as the fuzzer calls it.
    public func all(_ bytes: [UInt8]) {
        datagram(bytes, now: 0)
        if let verb = bytes.first { message(verb: verb & Packet.verbMask, payload: Array(bytes.dropFirst())) }
        structures(bytes)
    }
}
