/// Puts a network config back together from its signed chunks (OK(NETWORK_CONFIG_REQUEST) and NETWORK_CONFIG).
///
/// Each chunk must carry the controller's signature and fit inside the total it announces; chunks are placed at
/// their offsets and de-duplicated by signature. Up to three updates are assembled at once (the least recently
/// touched is dropped for a fourth), like the reference. Memory per update is bounded by the total length, which is
/// itself bounded.
public struct ConfigAssembler: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// A chunk was kept; more are needed.
        case incomplete
        /// The whole dictionary.
        case complete([UInt8])
        case rejected(Rejection)
    }

    public enum Rejection: String, Sendable, CaseIterable {
        case badSignature
        case wrongNetwork
        case tooLarge
        case duplicate
        case legacyForm
        case inconsistent
    }

    /// Largest dictionary accepted (ZeroTier's config dictionary capacity).
    public static let maxTotalLength = 1 << 17

    private struct Update {
        var id: UInt64
        var total: Int
        var data: [UInt8]
        var received: Int
        var signatures: Set<[UInt8]>
        var lastTouched: Int
    }

    public let network: NetworkID
    private var updates: [Update] = []
    private var clock = 0

    public init(network: NetworkID) { self.network = network }

    /// Adds one chunk, checking it against the controller's identity.
    public mutating func add(_ chunk: NetworkConfigChunk, controller: Identity) -> Outcome {
        guard chunk.network == network, controller.address == network.controller else {
            return .rejected(.wrongNetwork)
        }
        guard !chunk.isLegacy else { return .rejected(.legacyForm) }
        let total = Int(chunk.totalLength)
        guard total <= Self.maxTotalLength else { return .rejected(.tooLarge) }
        guard Int(chunk.offset) + chunk.data.count <= total else { return .rejected(.inconsistent) }
        guard chunk.verify(signer: controller) else { return .rejected(.badSignature) }
        clock += 1
        let index: Int
        if let i = updates.firstIndex(where: { $0.id == chunk.updateID }) {
            guard updates[i].total == total else { return .rejected(.inconsistent) }
            guard !updates[i].signatures.contains(chunk.signature) else { return .rejected(.duplicate) }
            index = i
        } else {
            if updates.count >= 3, let oldest = updates.indices.min(by: { updates[$0].lastTouched < updates[$1].lastTouched }) {
                updates.remove(at: oldest)
            }
            updates.append(
                Update(id: chunk.updateID, total: total, data: [UInt8](repeating: 0, count: total), received: 0, signatures: [], lastTouched: clock))
            index = updates.count - 1
        }
        let offset = Int(chunk.offset)
        updates[index].data.replaceSubrange(offset..<offset + chunk.data.count, with: chunk.data)
        updates[index].received += chunk.data.count
        updates[index].signatures.insert(chunk.signature)
        updates[index].lastTouched = clock
        guard updates[index].received >= total else { return .incomplete }
        let done = updates.remove(at: index)
        return .complete(done.data)
    }
}
