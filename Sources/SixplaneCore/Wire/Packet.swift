/// Layout and limits of a ZeroTier packet (a datagram that is not a fragment).
///
/// `[0..<8]` packet id, `[8..<13]` destination, `[13..<18]` source, `[18]` flags (`FFCCCHHH`: 0x80 legacy
/// "encrypted", 0x40 fragmented, cipher suite, hop count), `[19..<27]` MAC, `[27]` verb (0x80 = LZ4-compressed
/// payload), `[28...]` payload.
public enum Packet {
    public static let idOffset = 0
    public static let destinationOffset = 8
    public static let sourceOffset = 13
    public static let flagsOffset = 18
    public static let macOffset = 19
    public static let verbOffset = 27
    public static let payloadOffset = 28
    /// Header and verb byte.
    public static let minimumLength = 28

    /// Largest UDP payload a node sends (`ZT_DEFAULT_PHYSMTU`).
    public static let defaultPhysicalMTU = 1432
    /// Head plus at most six fragments.
    public static let maxFragments = 7
    /// Largest assembled packet a receiver accepts: 7 × 1432.
    public static let maxLength = 10024
    /// Largest packet that fits in 7 datagrams of 1432 bytes (a head and six 1416-byte fragment slices).
    public static let maxSendableLength = 1432 + 6 * 1416
    /// Relays forward a packet only while its hop count is below this.
    public static let relayMaxHops = 3

    public static let flagEncrypted: UInt8 = 0x80
    public static let flagFragmented: UInt8 = 0x40
    public static let verbCompressed: UInt8 = 0x80
    public static let verbMask: UInt8 = 0x1f

    /// The protocol version Sixplane speaks (12: AES-GMAC-SIV understood).
    public static let protocolVersion: UInt8 = 12
    /// Oldest protocol version whose HELLO is accepted.
    public static let minimumProtocolVersion: UInt8 = 4
}

/// The cipher suite of a packet, bits 3–5 of its flags byte.
public enum CipherSuite: UInt8, Sendable, CaseIterable {
    /// Poly1305 MAC, payload in clear (HELLO).
    case poly1305None = 0
    /// Salsa20/12 encryption with a Poly1305 MAC.
    case poly1305Salsa2012 = 1
    /// No crypto; accepted only on configured trusted paths.
    case trustedPath = 2
    /// AES-GMAC-SIV (protocol 12).
    case aesGMACSIV = 3

    public init?(flags: UInt8) {
        self.init(rawValue: (flags >> 3) & 0x07)
    }
}

/// The 28 fixed bytes at the start of a packet, decoded.
public struct PacketHeader: Equatable, Sendable {
    /// Bytes 0–7 as a big-endian number (for suite 3: the tag half that replaces the random id).
    public var id: UInt64
    public var destination: Address
    public var source: Address
    public var flags: UInt8
    public var mac: UInt64
    /// The verb byte as on the wire (for encrypted suites: ciphertext until dearmored).
    public var verbByte: UInt8

    public var hops: UInt8 { flags & 0x07 }
    public var isFragmented: Bool { flags & Packet.flagFragmented != 0 }
    public var cipherSuite: CipherSuite? { CipherSuite(flags: flags) }
    public var verb: Verb? { Verb(rawValue: verbByte & Packet.verbMask) }
    public var isCompressed: Bool { verbByte & Packet.verbCompressed != 0 }

    /// Reads the header of a packet of at least 28 bytes.
    public init(_ packet: UnsafeRawBufferPointer) throws(WireError) {
        guard packet.count >= Packet.minimumLength else {
            throw WireError(.truncated, "packet: \(packet.count) bytes, a packet has at least \(Packet.minimumLength)")
        }
        func be(_ offset: Int, _ count: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in offset..<offset + count { v = v << 8 | UInt64(packet[i]) }
            return v
        }
        id = be(0, 8)
        destination = Address(truncating: be(8, 5))
        source = Address(truncating: be(13, 5))
        flags = packet[18]
        mac = be(19, 8)
        verbByte = packet[27]
    }

    public init(_ packet: [UInt8]) throws(WireError) {
        self = try packet.withUnsafeBytes { p in Result { () throws(WireError) in try PacketHeader(p) } }.get()
    }
}

/// Whether a datagram is a fragment: at least 16 bytes with 0xff where a packet has its source's first byte.
public func isFragment(_ datagram: UnsafeRawBufferPointer) -> Bool {
    datagram.count > 16 && datagram[13] == 0xff
}
