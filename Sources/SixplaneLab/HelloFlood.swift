import Foundation
import SixplaneCore
import SixplaneDaemon

/// A HELLO flood built on the core: HELLOs of fresh identities at one node, each with its own key pair and a made-up
/// address, correctly armored with the key agreed with the target, so that every one that passes the target's
/// prefix gate costs it a key agreement, and every one that passes its budgets the full memory-hard validation
/// (which then fails: the addresses are not what the keys hash to). Sent from many source prefixes.
public struct HelloFlood: Sendable {
    /// The sources: `v4` IPv4 /24s (from `172.20.0.1`, one per /24, inside 172.16.0.0/12 for up to 2,048) and `v6`
    /// IPv6 /48s (`fd99:0:N::1`), N from 0.
    public static func sources(v4: Int, v6: Int) -> [InetAddress] {
        (0..<v4).map { .ipv4(IPv4Address(rawValue: 0xac14_0001 + UInt32($0) << 8), port: 0) }
            + (0..<v6).map { .ipv6(IPv6Address(high: 0xfd99_0000_0000_0000 | UInt64($0) << 16, low: 1), port: 0) }
    }

    /// `count` armored HELLO packets for `target` (its public identity) at `targetAddress`, claiming the planet
    /// `planet` as ours does.
    public static func packets(count: Int, target: Identity, targetAddress: InetAddress, planet: World?, seed: UInt64) throws -> [[UInt8]] {
        var rng = SplitMix(seed)
        var out: [[UInt8]] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var secret = [UInt8](repeating: 0, count: 64)
            for i in 0..<8 { withUnsafeBytes(of: rng.next()) { secret.replaceSubrange(i * 8..<i * 8 + 8, with: $0) } }
            let publicKey = try C25519.publicKey(secret: secret)
            // Any 40-bit address but the reserved ones (0 and ff…).
            let address = Address(truncating: 0x01_0000_0000 | rng.next() % 0xfe_0000_0000)
            let stranger = try Identity(address: address, publicKey: publicKey, secretKey: secret)
            let keys = try PeerKeys(local: stranger, peer: target)
            let hello = Hello(
                timestamp: UInt64(Date().timeIntervalSince1970 * 1000), identity: stranger.publicOnly, destination: targetAddress,
                planetID: planet?.id, planetTimestamp: planet?.timestamp, moons: [])
            var payload: [UInt8] = []
            hello.write(to: &payload)
            out.append(
                PacketCodec.seal(
                    id: rng.next(), destination: target.address, source: address, verb: Verb.hello.rawValue, payload: payload,
                    suite: .poly1305None, keys: keys, helloTail: Hello.tailOffset(payload: payload)))
        }
        return out
    }

    /// Packets end to end, each after its 2-byte length (a file the sender reads).
    public static func pack(_ packets: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for p in packets { out += [UInt8(p.count >> 8), UInt8(p.count & 0xff)] + p }
        return out
    }

    public static func unpack(_ bytes: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var at = 0
        while at + 2 <= bytes.count {
            let n = Int(bytes[at]) << 8 | Int(bytes[at + 1])
            guard at + 2 + n <= bytes.count else { break }
            out.append(Array(bytes[(at + 2)..<(at + 2 + n)]))
            at += 2 + n
        }
        return out
    }

    struct SplitMix {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    /// What a flood did: packets sent, over how long, and send errors.
    public struct Result: Sendable {
        public var sent: Int
        public var errors: Int
        public var seconds: Double
    }

    /// Sends `packets` to `target`, round robin over one UDP socket bound to each of `sources` (addresses of this
    /// namespace), at `rate` packets per second.
    public static func send(_ packets: [[UInt8]], to target: InetAddress, from sources: [InetAddress], rate: Int) throws -> Result {
        let family = { (a: InetAddress) -> Bool in if case .ipv4 = a { return true } else { return false } }
        let wantV4 = family(target)
        let usable = sources.filter { family($0) == wantV4 }
        guard !usable.isEmpty else { throw LabError("no \(wantV4 ? "IPv4" : "IPv6") source for \(target)") }
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        for source in usable {
            let fd = socket(wantV4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw LabError("socket: \(String(cString: strerror(errno)))") }
            sockets.append(fd)
            let bound = SocketAddresses.withSockaddr(source) { bind(fd, $0, $1) } ?? -1
            guard bound == 0 else { throw LabError("bind \(source): \(String(cString: strerror(errno)))") }
        }
        let started = Date()
        var errors = 0
        for (i, packet) in packets.enumerated() {
            // Paced in steps of 1 ms.
            let due = Double(i) / Double(max(1, rate))
            let wait = due - Date().timeIntervalSince(started)
            if wait > 0.001 { usleep(UInt32(wait * 1_000_000)) }
            let fd = sockets[i % sockets.count]
            let n = packet.withUnsafeBytes { p in SocketAddresses.withSockaddr(target) { sendto(fd, p.baseAddress, p.count, 0, $0, $1) } ?? -1 }
            if n < 0 { errors += 1 }
        }
        return Result(sent: packets.count - errors, errors: errors, seconds: Date().timeIntervalSince(started))
    }
}
