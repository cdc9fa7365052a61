/// Frames that failed a network's gate because their sender had not shown credentials yet: kept 5 s and retried
/// every 500 ms in case they arrive (as 1.14.1 does). At most `capacity` in all and `perPeer` from one sender, whose
/// oldest makes room for its newest: a stranger's frames cannot push out a member's.
struct ParkedFrames {
    /// What the frame waits for: a certificate of membership (the gate), or one of ownership (an IPv4 source).
    enum Wait: Equatable {
        case membership
        case ownership
    }

    struct Parked {
        var message: Message
        var waitingFor: Wait
        var packetID: UInt64
        var peer: Address
        var parked: Int64
        var lastTry: Int64
    }

    let capacity: Int
    let perPeer: Int
    private(set) var frames: [Parked] = []

    init(capacity: Int, perPeer: Int) {
        self.capacity = capacity
        self.perPeer = perPeer
    }

    var count: Int { frames.count }
    var isEmpty: Bool { frames.isEmpty }

    /// Keeps a frame (once per packet); returns whether another was pushed out for it.
    @discardableResult
    mutating func park(_ message: Message, packetID: UInt64, peer: Address, waitingFor: Wait = .membership, now: Int64) -> Bool {
        guard !frames.contains(where: { $0.packetID == packetID && $0.peer == peer }) else { return false }
        var evicted = false
        let mine = frames.reduce(0) { $0 + ($1.peer == peer ? 1 : 0) }
        if mine >= perPeer, let i = frames.firstIndex(where: { $0.peer == peer }) {
            frames.remove(at: i)
            evicted = true
        } else if frames.count >= capacity {
            var counts: [Address: Int] = [:]
            for f in frames { counts[f.peer, default: 0] += 1 }
            if let most = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key })?.key,
                let i = frames.firstIndex(where: { $0.peer == most })
            {
                frames.remove(at: i)
                evicted = true
            }
        }
        frames.append(Parked(message: message, waitingFor: waitingFor, packetID: packetID, peer: peer, parked: now, lastTry: now))
        return evicted
    }

    /// Frames due for another try; those too old are forgotten.
    mutating func due(now: Int64) -> [Parked] {
        let due = frames.filter { now - $0.lastTry >= Timers.gateRetry && now - $0.parked <= Timers.gateRetryGiveUp }
        frames.removeAll { now - $0.parked > Timers.gateRetryGiveUp || now - $0.lastTry >= Timers.gateRetry }
        return due
    }

    /// A frame that still does not pass goes back, keeping its first parking time.
    mutating func again(_ frame: Parked, now: Int64) {
        var f = frame
        f.lastTry = now
        frames.append(f)
    }
}
