import NIOCore
import SixplaneController
import SixplaneCore

/// The controller's way to the node when it runs on its own executor: every send hops onto the node's loop (the
/// controller never touches the node's state).
final class NodeLink: ControllerLink, @unchecked Sendable {
    // @unchecked: `daemon` is only read on its loop, inside the hops.
    private weak var daemon: DaemonNode?
    private let loop: any EventLoop

    init(daemon: DaemonNode) {
        self.daemon = daemon
        loop = daemon.loop
    }

    private func onNode(_ body: @escaping @Sendable (Node) -> Void) {
        loop.execute { [weak daemon] in
            guard let daemon, !daemon.isStopped, let node = daemon.node else { return }
            body(node)
        }
    }

    func sendNetworkConfig(_ config: NetworkConfig, chunks: [NetworkConfigChunk], to member: Address, requestPacketID: UInt64, now: Int64) {
        onNode { $0.sendNetworkConfig(config, chunks: chunks, to: member, requestPacketID: requestPacketID, now: DaemonNode.now()) }
    }

    func sendNetworkConfigError(network: NetworkID, to member: Address, code: ErrorCode, requestPacketID: UInt64, now: Int64) {
        onNode { $0.sendNetworkConfigError(network: network, to: member, code: code, requestPacketID: requestPacketID, now: DaemonNode.now()) }
    }

    func sendRevocations(_ revocations: [Revocation], to members: [Address], now: Int64) {
        onNode { $0.sendRevocations(revocations, to: members, now: DaemonNode.now()) }
    }

    func random() -> UInt64 {
        var system = SystemRandomNumberGenerator()
        return system.next()
    }
}
