/// Datagrams waiting to go to one address in one host call: the pieces of one packet, or, while the node handles a
/// burst of frames from a tap, the pieces of several packets to the same peer, as long as every datagram but the
/// last has one size (what UDP GSO sends in one system call). Packets are split evenly to make that common: a burst
/// of full-size frames becomes datagrams of one size.
///
/// One buffer, allocated once; nothing is allocated per packet.
final class TransmitBatch {
    /// UDP GSO's limits: 64 segments (older kernels), and a total that fits one IPv4 or IPv6 datagram.
    static let maxSegments = 64
    static let capacity = 65_000

    private let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    private(set) var length = 0
    private(set) var segmentSize = 0
    private(set) var count = 0
    private(set) var address: InetAddress = .none
    private(set) var localSocket = 0
    /// The last datagram is shorter than `segmentSize`: nothing may follow it.
    private var closed = false

    deinit { storage.deallocate() }

    /// Appends the datagrams of an armored packet (split evenly) if it can join what is waiting: same address and
    /// socket, same datagram size, nothing shorter before it, within the limits. Returns how many datagrams and bytes
    /// it became, or nil (nothing changed) if it cannot; an empty batch takes any packet.
    func append(_ packet: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int) -> (datagrams: Int, bytes: Int)? {
        let size = Fragmentation.evenPieceSize(length: packet.count)
        if count > 0 {
            let pieces = Fragmentation.datagramCount(length: packet.count, mtu: size)
            guard !closed, size == segmentSize, address == self.address, localSocket == self.localSocket,
                count + pieces <= Self.maxSegments,
                length + packet.count + (pieces - 1) * Fragmentation.headerLength <= Self.capacity
            else { return nil }
        } else {
            segmentSize = size
            self.address = address
            self.localSocket = localSocket
        }
        let written = Fragmentation.write(packet, pieceSize: size, into: UnsafeMutableRawBufferPointer(rebasing: storage[length...]))
        closed = written.bytes - (written.datagrams - 1) * size < size
        length += written.bytes
        count += written.datagrams
        return written
    }

    /// Hands what is waiting to `send` (datagrams end to end, segment size, address, local socket) and empties.
    func flush(_ send: (UnsafeRawBufferPointer, Int, InetAddress, Int) -> Void) {
        guard count > 0 else { return }
        send(UnsafeRawBufferPointer(rebasing: storage[..<length]), segmentSize, address, localSocket)
        length = 0
        count = 0
        closed = false
    }
}
