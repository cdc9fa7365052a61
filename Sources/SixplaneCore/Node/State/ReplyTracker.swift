/// Remembers the ids of recently sent packets that may be answered, so that an OK is processed only if it answers
/// something we sent (ZeroTier's `expectingReplyTo`): 256 buckets keyed by the id's fourth byte, 32 ids each,
/// oldest overwritten, so its memory is fixed. Ids are compared on their first four wire bytes, as the reference
/// does.
///
/// Unlike the reference, an id takes only as many answers as its request can have (one, or the chunks of a network
/// config) and only for `lifetime` ms: a peer cannot replay an OK, or answer one request over and over.
public struct ReplyTracker: Sendable {
    public static let lifetime: Int64 = 60_000
    /// A config request is answered by one OK per chunk; a 128 KiB dictionary in ~9 KB chunks has fewer than this.
    public static let configChunks = 32

    private var ids: [UInt32]
    private var remaining: [UInt8]
    private var sent: [Int64]
    private var cursors: [UInt8]

    public init() {
        ids = [UInt32](repeating: 0, count: 256 * 32)
        remaining = [UInt8](repeating: 0, count: 256 * 32)
        sent = [Int64](repeating: 0, count: 256 * 32)
        cursors = [UInt8](repeating: 0, count: 256)
    }

    /// Records a sent packet's wire id (bytes 0–7 as a big-endian number) that may get `replies` answers.
    public mutating func expect(_ wireID: UInt64, replies: Int = 1, now: Int64) {
        let top = UInt32(truncatingIfNeeded: wireID >> 32)
        let bucket = Int(top & 0xff)
        let slot = bucket * 32 + Int(cursors[bucket] & 31)
        ids[slot] = top
        remaining[slot] = UInt8(clamping: max(1, replies))
        sent[slot] = now
        cursors[bucket] &+= 1
    }

    /// Whether an OK to `inReplyTo` is expected now; if so, it uses up one of the answers the request may have.
    public mutating func consume(_ inReplyTo: UInt64, now: Int64) -> Bool {
        let top = UInt32(truncatingIfNeeded: inReplyTo >> 32)
        guard top != 0 else { return false }
        let bucket = Int(top & 0xff)
        for slot in bucket * 32..<bucket * 32 + 32 where ids[slot] == top && remaining[slot] > 0 {
            guard now - sent[slot] <= Self.lifetime, now >= sent[slot] else { continue }
            remaining[slot] -= 1
            return true
        }
        return false
    }
}
