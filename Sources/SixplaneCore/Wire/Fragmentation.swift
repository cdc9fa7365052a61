/// Splitting an armored packet into datagrams of at most one physical MTU.
///
/// A fragment is `[0..<8]` the armored head's first 8 bytes, `[8..<13]` destination, `[13]` 0xff, `[14]` total
/// count (high nibble, head included) and this fragment's number (low nibble, 1…), `[15]` hop count, then the next
/// slice of the packet. The head is the packet's first `mtu` bytes with flag 0x40 set (before armoring).
public enum Fragmentation {
    public static let headerLength = 16
    public static let indicator: UInt8 = 0xff

    /// How many datagrams a packet of `length` bytes becomes (1 if it fits).
    public static func datagramCount(length: Int, mtu: Int = Packet.defaultPhysicalMTU) -> Int {
        guard length > mtu else { return 1 }
        let slice = mtu - headerLength
        return 1 + (length - mtu + slice - 1) / slice
    }

    /// The 16-byte header of fragment `number` of `total` for the armored `packet`.
    public static func header(of packet: UnsafeRawBufferPointer, number: Int, total: Int) -> [UInt8] {
        precondition(number >= 1 && number < total && total <= Packet.maxFragments)
        var h = Array(packet[0..<13])
        h.append(indicator)
        h.append(UInt8(total << 4 | number))
        h.append(packet[Packet.flagsOffset] & 0x07)
        return h
    }

    /// The range of the armored packet that fragment `number` (0 = head) carries.
    public static func range(number: Int, length: Int, mtu: Int = Packet.defaultPhysicalMTU) -> Range<Int> {
        if number == 0 { return 0..<min(length, mtu) }
        let slice = mtu - headerLength
        let start = mtu + (number - 1) * slice
        return start..<min(length, start + slice)
    }

    /// The size of every datagram but the last when a packet is split evenly rather than ZeroTier's way (a full
    /// head and a short tail): the same number of datagrams, but a burst of equal packets becomes datagrams of one
    /// size, which the kernel can send as one (UDP GSO). Receivers take heads of any size.
    public static func evenPieceSize(length: Int, mtu: Int = Packet.defaultPhysicalMTU) -> Int {
        let n = datagramCount(length: length, mtu: mtu)
        guard n > 1 else { return length }
        return (length + (n - 1) * headerLength + n - 1) / n
    }

    /// Writes the datagrams of an armored packet end to end into `out`, the head `pieceSize` bytes long (from
    /// `evenPieceSize`, or the MTU for ZeroTier's split), each fragment `pieceSize` but the last. Returns the
    /// number of datagrams and of bytes written; `out` must have room for `length + 16 × (datagrams − 1)`.
    public static func write(
        _ packet: UnsafeRawBufferPointer, pieceSize: Int, into out: UnsafeMutableRawBufferPointer
    ) -> (datagrams: Int, bytes: Int) {
        let total = datagramCount(length: packet.count, mtu: pieceSize)
        precondition(total <= Packet.maxFragments, "a \(packet.count)-byte packet needs more than 7 datagrams")
        precondition(out.count >= packet.count + (total - 1) * headerLength)
        var at = 0
        for n in 0..<total {
            let r = range(number: n, length: packet.count, mtu: pieceSize)
            if n > 0 {
                out.baseAddress!.advanced(by: at).copyMemory(from: packet.baseAddress!, byteCount: 13)
                out[at + 13] = indicator
                out[at + 14] = UInt8(total << 4 | n)
                out[at + 15] = packet[Packet.flagsOffset] & 0x07
                at += headerLength
            }
            out.baseAddress!.advanced(by: at).copyMemory(from: packet.baseAddress!.advanced(by: r.lowerBound), byteCount: r.count)
            at += r.count
        }
        return (total, at)
    }

    /// Every datagram for an armored packet: the head, then fragments 1….
    public static func split(_ packet: [UInt8], mtu: Int = Packet.defaultPhysicalMTU) -> [[UInt8]] {
        let total = datagramCount(length: packet.count, mtu: mtu)
        precondition(total <= Packet.maxFragments, "a \(packet.count)-byte packet needs more than 7 datagrams")
        guard total > 1 else { return [packet] }
        return packet.withUnsafeBytes { p in
            (0..<total).map { n in
                let r = range(number: n, length: packet.count, mtu: mtu)
                return n == 0 ? Array(packet[r]) : header(of: p, number: n, total: total) + packet[r]
            }
        }
    }
}

/// Reassembles fragmented packets from their pieces, arriving in any order, with duplicates.
///
/// Memory is fixed: `capacity` slots, each with room for a whole 7-piece packet, allocated once; incomplete packets
/// expire after `timeout` ms. Slots are shared fairly among physical sources: one source holds at most `perSource`
/// (its oldest makes room for its newest), and when all are busy a new packet takes the oldest slot of the source
/// holding the most, so forged fragments from one source cannot push out another peer's packets. Completed packets
/// are assembled into one reusable buffer and handed to a closure: nothing is allocated per datagram.
public final class Reassembler {
    public enum Outcome: Equatable, Sendable {
        /// Kept, waiting for the other pieces.
        case stored
        /// The piece completed a packet, which was delivered.
        case completed
        case dropped(Drop)
    }

    public enum Drop: String, Sendable, CaseIterable {
        /// Fragment count above 7, number 0 or beyond the count, or shorter than its header.
        case malformed
        /// The same piece again.
        case duplicate
        /// Pieces of one packet disagree on how many there are, or a piece is larger than a datagram can be.
        case inconsistent
    }

    private struct Slot {
        var id: UInt64 = 0
        var inUse = false
        var total = 0  // 0 until a fragment has said
        var received: UInt8 = 0  // bit n = piece n present
        var lengths = (0, 0, 0, 0, 0, 0, 0)
        var firstSeen: Int64 = 0
        var source: InetAddress = .none
    }

    public let capacity: Int
    public let perSource: Int
    public let timeout: Int64
    private var slots: [Slot]
    /// capacity × 7 pieces × one datagram each.
    private let pieces: UnsafeMutableRawBufferPointer
    private let assembled: UnsafeMutableRawBufferPointer
    private static let pieceSize = Packet.defaultPhysicalMTU

    /// Packets dropped because their slot was needed, or because they timed out.
    public private(set) var evicted = 0
    public private(set) var expired = 0

    public init(capacity: Int = 32, perSource: Int = 8, timeout: Int64 = 5_000) {
        precondition(capacity > 0 && perSource > 0)
        self.capacity = capacity
        self.perSource = perSource
        self.timeout = timeout
        slots = Array(repeating: Slot(), count: capacity)
        pieces = .allocate(byteCount: capacity * Packet.maxFragments * Self.pieceSize, alignment: 16)
        assembled = .allocate(byteCount: Packet.maxLength, alignment: 16)
    }

    deinit {
        pieces.deallocate()
        assembled.deallocate()
    }

    /// Incomplete packets held now.
    public var pending: Int { slots.reduce(0) { $0 + ($1.inUse ? 1 : 0) } }

    /// Takes a fragment datagram (byte 13 = 0xff) for us.
    public func receiveFragment(
        _ datagram: UnsafeRawBufferPointer, from source: InetAddress = .none, now: Int64,
        deliver: (UnsafeMutableRawBufferPointer) -> Void
    ) -> Outcome {
        guard datagram.count > Fragmentation.headerLength else { return .dropped(.malformed) }
        let total = Int(datagram[14] >> 4)
        let number = Int(datagram[14] & 0x0f)
        guard total > 1, total <= Packet.maxFragments, number >= 1, number < total else { return .dropped(.malformed) }
        let payload = UnsafeRawBufferPointer(rebasing: datagram[Fragmentation.headerLength...])
        return store(id: Self.id(datagram), number: number, total: total, bytes: payload, source: source, now: now, deliver: deliver)
    }

    /// Takes the head of a fragmented packet (flag 0x40 set).
    public func receiveHead(
        _ packet: UnsafeRawBufferPointer, from source: InetAddress = .none, now: Int64,
        deliver: (UnsafeMutableRawBufferPointer) -> Void
    ) -> Outcome {
        guard packet.count >= Packet.minimumLength else { return .dropped(.malformed) }
        return store(id: Self.id(packet), number: 0, total: 0, bytes: packet, source: source, now: now, deliver: deliver)
    }

    /// Forgets incomplete packets older than the timeout.
    public func expire(now: Int64) {
        for i in slots.indices where slots[i].inUse && now - slots[i].firstSeen > timeout {
            slots[i].inUse = false
            expired += 1
        }
    }

    private static func id(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
    }

    private func store(
        id: UInt64, number: Int, total: Int, bytes: UnsafeRawBufferPointer, source: InetAddress, now: Int64,
        deliver: (UnsafeMutableRawBufferPointer) -> Void
    ) -> Outcome {
        guard bytes.count <= Self.pieceSize else { return .dropped(.inconsistent) }
        expire(now: now)
        let index = slotIndex(for: id, source: source, now: now)
        var slot = slots[index]
        if slot.received & (1 << UInt8(number)) != 0 { return .dropped(.duplicate) }
        if total > 0 {
            if slot.total != 0 && slot.total != total {
                slots[index].inUse = false
                return .dropped(.inconsistent)
            }
            slot.total = total
        }
        let base = pieces.baseAddress! + (index * Packet.maxFragments + number) * Self.pieceSize
        base.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        withUnsafeMutableBytes(of: &slot.lengths) { $0.storeBytes(of: bytes.count, toByteOffset: number * MemoryLayout<Int>.stride, as: Int.self) }
        slot.received |= 1 << UInt8(number)
        guard slot.total > 0, slot.received == UInt8((1 << slot.total) - 1) else {
            slots[index] = slot
            return .stored
        }
        slots[index].inUse = false
        var length = 0
        for n in 0..<slot.total {
            let pieceLength = withUnsafeBytes(of: slot.lengths) { $0.load(fromByteOffset: n * MemoryLayout<Int>.stride, as: Int.self) }
            guard length + pieceLength <= Packet.maxLength else { return .dropped(.inconsistent) }
            let piece = pieces.baseAddress! + (index * Packet.maxFragments + n) * Self.pieceSize
            (assembled.baseAddress! + length).copyMemory(from: piece, byteCount: pieceLength)
            length += pieceLength
        }
        deliver(UnsafeMutableRawBufferPointer(rebasing: assembled[0..<length]))
        return .completed
    }

    /// Slots held now by `source`.
    public func held(by source: InetAddress) -> Int { slots.reduce(0) { $0 + ($1.inUse && $1.source == source ? 1 : 0) } }

    /// The slot holding `id`, or a fresh one: free if `source` is under its quota and one is free, else the oldest
    /// of `source`'s own (at its quota, or when it holds as many as anyone), else the oldest of the biggest holder.
    private func slotIndex(for id: UInt64, source: InetAddress, now: Int64) -> Int {
        if let i = slots.firstIndex(where: { $0.inUse && $0.id == id }) { return i }
        let mine = held(by: source)
        let index: Int
        if mine < perSource, let free = slots.firstIndex(where: { !$0.inUse }) {
            index = free
        } else {
            var counts: [InetAddress: Int] = [:]
            for slot in slots where slot.inUse { counts[slot.source, default: 0] += 1 }
            let biggest = counts.filter { $0.key != source }.values.max() ?? 0
            let victim: InetAddress? = mine >= perSource || (mine > 0 && mine >= biggest) ? source : nil
            let candidates = slots.indices.filter { i in
                guard slots[i].inUse else { return false }
                if let victim { return slots[i].source == victim }
                return counts[slots[i].source] == biggest
            }
            index = candidates.min { slots[$0].firstSeen < slots[$1].firstSeen }!
            evicted += 1
        }
        slots[index] = Slot(id: id, inUse: true, total: 0, received: 0, lengths: (0, 0, 0, 0, 0, 0, 0), firstSeen: now, source: source)
        return index
    }
}
