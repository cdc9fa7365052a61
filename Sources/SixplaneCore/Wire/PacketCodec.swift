/// Whole packets: building and armoring outgoing ones, opening incoming ones (dearmor, decompress).
public enum PacketCodec {
    public enum Failure: Error, Equatable, Sendable {
        case tooShort
        case badMAC
        case unsupportedSuite
        case decompression(LZ4.Failure)
    }

    /// An opened packet: header, the suite it came with, and the plaintext verb byte and payload.
    public struct Opened: Equatable, Sendable {
        public var header: PacketHeader
        public var suite: CipherSuite
        /// Compression flag cleared.
        public var verb: UInt8
        public var payload: [UInt8]
        public var wasCompressed: Bool
    }

    /// Authenticates, decrypts and decompresses `packet` (modified in place).
    public static func open(_ packet: inout [UInt8], keys: PeerKeys) -> Result<Opened, Failure> {
        let suite: CipherSuite
        switch PacketArmor.dearmor(&packet, keys: keys) {
        case .success(let s): suite = s
        case .failure(.tooShort): return .failure(.tooShort)
        case .failure(.badMAC): return .failure(.badMAC)
        case .failure(.unsupportedSuite): return .failure(.unsupportedSuite)
        }
        // Dearmor succeeded, so the header is at least 28 bytes.
        var header = try! PacketHeader(packet)
        let verbByte = packet[Packet.verbOffset]
        let compressed = verbByte & Packet.verbCompressed != 0
        var payload = Array(packet[Packet.payloadOffset...])
        if compressed {
            switch LZ4.decompress(payload, limit: Packet.maxLength - Packet.payloadOffset) {
            case .success(let p): payload = p
            case .failure(let f): return .failure(.decompression(f))
            }
        }
        header.verbByte = verbByte & ~Packet.verbCompressed
        return .success(Opened(header: header, suite: suite, verb: header.verbByte, payload: payload, wasCompressed: compressed))
    }

    /// Writes id, destination and source, and zeroes flags and MAC: the first 27 bytes of a packet (the verb follows).
    public static func writeHeader(_ packet: UnsafeMutableRawBufferPointer, id: UInt64, destination: Address, source: Address) {
        packet.storeBytes(of: id.bigEndian, toByteOffset: 0, as: UInt64.self)
        for i in 0..<5 {
            packet[Packet.destinationOffset + i] = UInt8(truncatingIfNeeded: destination.rawValue >> UInt64(32 - 8 * i))
            packet[Packet.sourceOffset + i] = UInt8(truncatingIfNeeded: source.rawValue >> UInt64(32 - 8 * i))
        }
        for i in Packet.flagsOffset..<Packet.verbOffset { packet[i] = 0 }
    }

    /// Builds an armored packet. `compress` tries LZ4 (kept only if smaller); `fragmented` sets flag 0x40 (the
    /// caller must then split with `Fragmentation`), which is needed when the result exceeds one datagram.
    public static func seal(
        id: UInt64, destination: Address, source: Address, verb: UInt8, payload: [UInt8], suite: CipherSuite,
        keys: PeerKeys, compress: Bool = false, helloTail: Int? = nil
    ) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: Packet.verbOffset)
        packet.reserveCapacity(Packet.payloadOffset + payload.count)
        packet.withUnsafeMutableBytes { writeHeader($0, id: id, destination: destination, source: source) }
        if compress, payload.count > 64, let smaller = LZ4.compress(payload) {
            packet.append(verb | Packet.verbCompressed)
            packet += smaller
        } else {
            packet.append(verb)
            packet += payload
        }
        if packet.count > Packet.defaultPhysicalMTU { packet[Packet.flagsOffset] = Packet.flagFragmented }
        if let helloTail, helloTail < packet.count {
            PacketArmor.cryptField(&packet, keys: keys, start: helloTail, length: packet.count - helloTail)
        }
        PacketArmor.armor(&packet, suite: suite, keys: keys)
        return packet
    }
}
