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

    /// What opening a packet in place found: its header fields and the plaintext verb.
    public struct OpenedHeader: Equatable, Sendable {
        public var suite: CipherSuite
        public var packetID: UInt64
        public var hops: UInt8
        /// The verb byte with the compression flag cleared.
        public var verb: UInt8
        public var compressed: Bool
    }

    /// Authenticates and decrypts a packet in place: the one way every packet for us is opened, by the node and by
    /// the fuzz targets. The payload stays in the buffer (`payload(of:_:)` decompresses it).
    public static func openInPlace(_ packet: UnsafeMutableRawBufferPointer, keys: PeerKeys) -> Result<OpenedHeader, Failure> {
        let suite: CipherSuite
        switch PacketArmor.dearmor(packet, keys: keys) {
        case .success(let s): suite = s
        case .failure(.tooShort): return .failure(.tooShort)
        case .failure(.badMAC): return .failure(.badMAC)
        case .failure(.unsupportedSuite): return .failure(.unsupportedSuite)
        }
        let verbByte = packet[Packet.verbOffset]
        return .success(
            OpenedHeader(
                suite: suite, packetID: UInt64(bigEndian: packet.loadUnaligned(as: UInt64.self)),
                hops: packet[Packet.flagsOffset] & 0x07, verb: verbByte & ~Packet.verbCompressed,
                compressed: verbByte & Packet.verbCompressed != 0))
    }

    /// The payload of a packet opened in place, decompressed (bounded by the largest packet) if it was compressed.
    public static func payload(of packet: UnsafeMutableRawBufferPointer, _ header: OpenedHeader) -> Result<[UInt8], Failure> {
        let payload = Array(packet[Packet.payloadOffset...])
        guard header.compressed else { return .success(payload) }
        switch LZ4.decompress(payload, limit: Packet.maxLength - Packet.payloadOffset) {
        case .success(let p): return .success(p)
        case .failure(let f): return .failure(.decompression(f))
        }
    }

    /// Authenticates, decrypts and decompresses `packet` (modified in place).
    public static func open(_ packet: inout [UInt8], keys: PeerKeys) -> Result<Opened, Failure> {
        packet.withUnsafeMutableBytes { raw -> Result<Opened, Failure> in
            let header: OpenedHeader
            switch openInPlace(raw, keys: keys) {
            case .success(let h): header = h
            case .failure(let f): return .failure(f)
            }
            let payload: [UInt8]
            switch self.payload(of: raw, header) {
            case .success(let p): payload = p
            case .failure(let f): return .failure(f)
            }
            // Opening succeeded, so the header is at least 28 bytes.
            var packetHeader = try! PacketHeader(Array(raw[..<Packet.payloadOffset]))
            packetHeader.verbByte = header.verb
            return .success(Opened(header: packetHeader, suite: header.suite, verb: header.verb, payload: payload, wasCompressed: header.compressed))
        }
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
