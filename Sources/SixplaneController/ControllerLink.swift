import SixplaneCore

/// What the controller needs from the node that carries its answers. `Node` is one (in tests and simulations the
/// controller runs in the node's context); the daemon gives it a link that hops onto the node's loop, because there
/// the controller runs on an executor of its own and the node never waits for its database.
public protocol ControllerLink: AnyObject {
    func sendNetworkConfig(_ config: NetworkConfig, chunks: [NetworkConfigChunk], to member: Address, requestPacketID: UInt64, now: Int64)
    func sendNetworkConfigError(network: NetworkID, to member: Address, code: ErrorCode, requestPacketID: UInt64, now: Int64)
    func sendRevocations(_ revocations: [Revocation], to members: [Address], now: Int64)
    /// Random bits (a simulation's node makes them deterministic).
    func random() -> UInt64
}

extension Node: ControllerLink {}
