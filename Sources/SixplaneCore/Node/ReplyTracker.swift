/// Remembers the ids of recently sent packets that may be answered, so that an OK is processed only if it answers
/// something we sent (ZeroTier's `expectingReplyTo`): 256 buckets keyed by the id's fourth byte, 32 ids each,
/// oldest overwritten. Ids are compared on their first four wire bytes, as the reference does.
public struct ReplyTracker: Sendable {
    private var buckets: [UInt32]
    private var cursors: [UInt8]

    public init() {
        buckets = [UInt32](repeating: 0, count: 256 * 32)
        cursors = [UInt8](repeating: 0, count: 256)
    }

    /// Records a sent packet's wire id (bytes 0–7 as a big-endian number).
    public mutating func expect(_ wireID: UInt64) {
        let top = UInt32(truncatingIfNeeded: wireID >> 32)
        let bucket = Int(top & 0xff)
        let slot = Int(cursors[bucket] & 31)
        buckets[bucket * 32 + slot] = top
        cursors[bucket] &+= 1
    }

    public func isExpected(_ inReplyTo: UInt64) -> Bool {
        let top = UInt32(truncatingIfNeeded: inReplyTo >> 32)
        let bucket = Int(top & 0xff)
        for i in 0..<32 where buckets[bucket * 32 + i] == top && top != 0 { return true }
        return false
    }
}
