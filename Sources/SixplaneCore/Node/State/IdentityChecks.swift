/// Identities whose memory-hard validation the host is doing off the node's thread (`NodeHost.validateLater`),
/// with what waits for each verdict: the HELLO that introduced it, or a lookup of ours. At most `capacity` at once
/// and a few waiting HELLOs each; a check the host never answers is forgotten after `timeout`.
struct IdentityChecks {
    enum Purpose {
        /// A suite-0 HELLO from this identity, handled again once it is known.
        case hello(packet: [UInt8], from: InetAddress, localSocket: Int)
        /// We looked it up (WHOIS answer, cached peer file).
        case lookup
    }

    struct Pending {
        var identity: Identity
        var purposes: [Purpose]
        var started: Int64
    }

    static let timeout: Int64 = 30_000
    static let purposesPerIdentity = 4

    let capacity: Int
    private var pending: [Address: Pending] = [:]

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { pending.count }

    enum Start: Equatable {
        /// Ask the host to check it.
        case new
        /// Already being checked: the purpose waits for the same verdict.
        case joined
        /// No room, or another identity with this address is being checked.
        case refused
    }

    mutating func start(_ identity: Identity, for purpose: Purpose, now: Int64) -> Start {
        if var p = pending[identity.address] {
            guard p.identity == identity, p.purposes.count < Self.purposesPerIdentity else { return .refused }
            p.purposes.append(purpose)
            pending[identity.address] = p
            return .joined
        }
        guard pending.count < capacity else { return .refused }
        pending[identity.address] = Pending(identity: identity, purposes: [purpose], started: now)
        return .new
    }

    func isChecking(_ address: Address) -> Bool { pending[address] != nil }

    /// The host's verdict arrived: what waited for it (nil if this check is not ours, or was forgotten).
    mutating func finish(_ identity: Identity) -> [Purpose]? {
        guard let p = pending[identity.address], p.identity == identity else { return nil }
        pending[identity.address] = nil
        return p.purposes
    }

    mutating func expire(now: Int64) {
        pending = pending.filter { now - $0.value.started <= Self.timeout }
    }
}
