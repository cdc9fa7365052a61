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
            node.receive(&envelope.data, from: envelope.remoteAddress, socket: socket)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            // ICMP errors surface here (port unreachable…): nothing to do, the node retries on its timers.
        }
    }

    static let bufferBytes: CInt = 8 << 20
    static let vectorReadCount = 32

    /// Binds IPv4 and IPv6 on `port` (0: any), on `node`'s loop.
    static func bind(node: DaemonNode, port: Int) async throws -> [(any Channel)?] {
        func bootstrap(_ socket: Int) -> DatagramBootstrap {
            DatagramBootstrap(group: node.loop)
                .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .channelOption(ChannelOptions.datagramVectorReadMessageCount, value: vectorReadCount)
                .channelOption(ChannelOptions.maxMessagesPerRead, value: 4)
                // A vector read splits this buffer evenly among its messages: each slot must hold the largest
                // datagram a node may send (one unfragmented packet), or longer ones arrive cut short.
                .channelOption(
                    ChannelOptions.recvAllocator,
                    value: FixedSizeRecvByteBufferAllocator(capacity: vectorReadCount * (Packet.maxLength + 16)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Handler(node: node, socket: socket))
                    }
                }
        }
        let v4 = try await bootstrap(0).bind(host: "0.0.0.0", port: port).get()
        var v6: (any Channel)?
        do {
            v6 = try await bootstrap(1)
                .channelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
                .bind(host: "::", port: v4.localAddress?.port ?? port).get()
        } catch {
            Logger(label: "sixplane.udp").warning("no IPv6 socket: \(error)")
        }
        for channel in [v4, v6].compactMap({ $0 }) {
            // SO_RCVBUFFORCE/SO_SNDBUFFORCE (root) beat the system maximum; fall back to the plain options.
            for (force, plain) in [(SO_RCVBUFFORCE, SO_RCVBUF), (SO_SNDBUFFORCE, SO_SNDBUF)] {
                do {
                    try await channel.setOption(ChannelOptions.socketOption(.init(rawValue: force)), value: Int(bufferBytes)).get()
                } catch {
                    try? await channel.setOption(ChannelOptions.socketOption(.init(rawValue: plain)), value: Int(bufferBytes)).get()
                }
            }
        }
        return [v4, v6]
    }
}
