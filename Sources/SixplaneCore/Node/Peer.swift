/// Another node we know: its identity, the keys we share, how to reach it, and what it runs.
public final class Peer {
    public let identity: Identity
    public let keys: PeerKeys
    public internal(set) var paths: [Path] = []

    /// What its HELLO or OK(HELLO) said (0 = not known yet).
    public internal(set) var protocolVersion: UInt8 = 0
    public internal(set) var versionMajor: Int = -1
    public internal(set) var versionMinor: Int = -1
    public internal(set) var versionRevision: Int = -1

    public internal(set) var lastReceive: Int64 = 0
    public internal(set) var lastSend: Int64 = 0
    /// Last packet that shows use of a network (frames, config traffic): only such peers are kept pinged.
    public internal(set) var lastActivity: Int64 = 0
    public internal(set) var lastHelloSent: Int64 = 0
    /// Last packet that passed a network gate: trust for pushing our direct paths.
    var lastTrusted: Int64 = 0
    public internal(set) var latency: Int?

    var lastEchoAnswered: Int64 = 0
    var lastWhoisAnswered: Int64 = 0
    var lastPushDirectPathsSent: Int64 = 0
    var lastPushDirectPathsReceived: Int64 = 0
    var pushDirectPathsBurst = 0
    /// Per network: when we last pushed our credentials to it.
    var credentialsPushed: [NetworkID: Int64] = [:]

    /// Signature checks of the credentials it sends us (each an Ed25519 verification).
    var credentialBudget: RateBudget

    init(identity: Identity, keys: PeerKeys, credentialChecksPerSecond: Int = NodeLimits().credentialChecksPerSecond) {
        self.identity = identity
        self.keys = keys
        credentialBudget = RateBudget(perSecond: credentialChecksPerSecond)
    }

    public var address: Address { identity.address }

    /// Suite 3 once it has said it speaks protocol 12, else suite 1.
    var preferredSuite: CipherSuite { protocolVersion >= 12 ? .aesGMACSIV : .poly1305Salsa2012 }

    /// The path to send on: alive paths first, lowest latency; else any that has not expired.
    func bestPath(_ now: Int64) -> Path? {
        // Alive before merely unexpired, then lower latency, then the most recently heard; the first of equals.
        var best: Path?
        for path in paths where !path.isExpired(now) {
            guard let current = best else {
                best = path
                continue
            }
            let pa = path.isAlive(now), ca = current.isAlive(now)
            let lp = path.latency ?? 1000, lc = current.latency ?? 1000
            if pa != ca ? pa : lp != lc ? lp < lc : path.lastReceive > current.lastReceive { best = path }
        }
        return best
    }

    func hasAlivePath(_ now: Int64) -> Bool { paths.contains { $0.isAlive(now) } }
    func hasAlivePath(at address: InetAddress, _ now: Int64) -> Bool { paths.contains { $0.address == address && $0.isAlive(now) } }

    func pathIndex(_ address: InetAddress, _ localSocket: Int) -> Int? {
        paths.firstIndex { $0.address == address && $0.localSocket == localSocket }
    }

    /// Adopts a path confirmed by an OK that came over it (replacing a dead one with the same IP).
    func learnPath(_ address: InetAddress, _ localSocket: Int, _ now: Int64) -> Bool {
        if let i = pathIndex(address, localSocket) {
            paths[i].lastReceive = now
            return false
        }
        // Not while a live path with the same IP is there (a port change behind a NAT settles first).
        if paths.contains(where: { $0.address.ip == address.ip && $0.localSocket == localSocket && $0.isAlive(now) }) {
            return false
        }
        paths.removeAll { $0.address.ip == address.ip && $0.localSocket == localSocket }
        if paths.count >= 16, let oldest = paths.indices.min(by: { paths[$0].lastReceive < paths[$1].lastReceive }) {
            paths.remove(at: oldest)
        }
        paths.append(Path(address: address, localSocket: localSocket, lastReceive: now))
        return true
    }

    func setVersion(protocol proto: UInt8, major: UInt8, minor: UInt8, revision: UInt16) {
        protocolVersion = proto
        versionMajor = Int(major)
        versionMinor = Int(minor)
        versionRevision = Int(revision)
    }
}
