import Logging
import NIOCore
import NIOPosix
import SixplaneCore

#if canImport(Glibc)
import Glibc
#endif

/// The node's UDP sockets (IPv4 and IPv6) on the node's own event loop: datagrams go straight into the core with no
/// thread hop; reads are batched (recvmmsg) and the socket buffers are forced large, since namespaces cannot raise
/// the system default and a fast sender overflows it.
enum UDPTransport {
    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let node: DaemonNode
        let socket: Int

        init(node: DaemonNode, socket: Int) {
            self.node = node
            self.socket = socket
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var envelope = unwrapInboundIn(data)
            node.receive(&envelope.data, from: envelope.remoteAddress, socket: socket, segmentSize: envelope.metadata?.segmentSize)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            // ICMP errors surface here (port unreachable…): nothing to do, the node retries on its timers.
        }
    }

    static let bufferBytes: CInt = 8 << 20
    static let vectorReadCount = 32
    /// With UDP GRO the kernel hands over up to 64 KiB of one sender's datagrams in one read (a GSO send arrives
    /// whole), so each slot of a vector read must hold that much; without it, one maximum packet.
    static var slotBytes: Int { System.supportsUDPReceiveOffload ? 65_536 : Packet.maxLength + 16 }

    /// Binds IPv4 and IPv6 on `port` (0: any), on `node`'s loop; the node knows them as local sockets `first` (IPv4)
    /// and `first + 1` (IPv6).
    static func bind(node: DaemonNode, port: Int, first: Int = 0) async throws -> (channels: [(any Channel)?], sendDescriptors: [Int32]) {
        func bootstrap(_ socket: Int) -> DatagramBootstrap {
            var bootstrap = DatagramBootstrap(group: node.loop)
                .channelOption(ChannelOptions.datagramVectorReadMessageCount, value: vectorReadCount)
                .channelOption(ChannelOptions.maxMessagesPerRead, value: 4)
                // A vector read splits this buffer evenly among its messages: each slot must hold the most one read
                // may return, or longer ones arrive cut short.
                .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vectorReadCount * slotBytes))
            if System.supportsUDPReceiveOffload {
                // UDP GRO: a peer's GSO burst is read at once, with its segment size, instead of datagram by datagram.
                bootstrap = bootstrap.channelOption(ChannelOptions.datagramReceiveOffload, value: true)
                    .channelOption(ChannelOptions.datagramReceiveSegmentSize, value: true)
            }
            return bootstrap
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Handler(node: node, socket: socket))
                    }
                }
        }
        // Each socket is made and bound here; NIO reads from it, and the node sends with plain sendto on a second
        // descriptor of it. NIO closes a datagram channel on a send error such as ENETUNREACH (a peer advertising an
        // address we have no route to), which would silence the node; a failed sendto is just a lost datagram.
        let v4fd = try makeSocket(family: AF_INET, port: port)
        var senders: [Int32] = [dup(v4fd), -1]
        let v4 = try await bootstrap(first).withBoundSocket(v4fd).get()
        var v6: (any Channel)?
        do {
            let v6fd = try makeSocket(family: AF_INET6, port: v4.localAddress?.port ?? port)
            senders[1] = dup(v6fd)
            v6 = try await bootstrap(first + 1).withBoundSocket(v6fd).get()
        } catch {
            Logger(label: "sixplane.udp").warning("no IPv6 socket: \(error)")
        }
        return ([v4, v6], senders)
    }

    struct SocketError: Error, CustomStringConvertible {
        var description: String
    }

    /// A bound, non-blocking UDP socket with large buffers (IPv6 only for AF_INET6).
    static func makeSocket(family: Int32, port: Int) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 4)
        if family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, 4) }
        var size = bufferBytes
        // SO_RCVBUFFORCE/SO_SNDBUFFORCE (root) beat the system maximum; fall back to the plain options.
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, 4) != 0 { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, 4) }
        if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, 4) != 0 { setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, 4) }
        let any: InetAddress = family == AF_INET ? .ipv4(IPv4Address(rawValue: 0), port: UInt16(port)) : .ipv6(IPv6Address(high: 0, low: 0), port: UInt16(port))
        let rc = SocketAddresses.withSockaddr(any) { Glibc.bind(fd, $0, $1) } ?? -1
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw SocketError(description: "bind UDP port \(port): \(reason)")
        }
        return fd
    }
}
