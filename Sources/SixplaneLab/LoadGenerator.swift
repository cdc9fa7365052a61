import CSixplaneTap
import Foundation
import SixplaneCore
import SixplaneDaemon

/// The I/O shell of `SyntheticPeers`: one IPv4 and one IPv6 UDP socket in the calling process's namespace, sending
/// each peer's datagrams from that peer's own address (IP_PKTINFO; the addresses are routed to this host as local,
/// not assigned) and handing back what arrives with the address it came to. Runs in the host that stands for the
/// peers, so it can be aimed at any root, ours or ZeroTier's.
public final class LoadGenerator {
    /// Where a run is, and what it saw; printed as one JSON line at the end.
    public struct Report: Codable, Sendable {
        public var peers = 0
        public var answered = 0
        public var alive = 0
        public var rampSeconds = 0.0
        public var steadySeconds = 0.0
        public var hellosSent = 0
        public var helloAnswers = 0
        public var echoesSent = 0
        public var echoAnswers = 0
        public var whoisSent = 0
        public var whoisAnswers = 0
        public var whoisWrong = 0
        public var whoisLost = 0
        public var whoisP50Microseconds: Int64?
        public var whoisP99Microseconds: Int64?
        public var received = 0
        public var sendErrors = 0
        /// What did not count as an answer: for no peer of ours, failed authentication, did not parse, came to
        /// another address than the peer's, ERRORs, other verbs.
        public var unknownDestination = 0
        public var badMAC = 0
        public var malformed = 0
        public var wrongAddress = 0
        public var errors = 0
        public var other = 0
        public var rootHellos = 0
        public var generatorCPUSeconds = 0.0
    }

    private var peers: SyntheticPeers
    private let v4: Int32
    private let v6: Int32
    private var report = Report()
    private var out: [SyntheticPeers.Datagram] = []
    private var buffer = [UInt8](repeating: 0, count: 16_384)

    /// The peers, and the local port both sockets bind (0 for any).
    public init(peers: SyntheticPeers, port: UInt16 = 0) throws(LabError) {
        self.peers = peers
        v4 = try Self.socket(ipv6: false, port: port)
        do { v6 = try Self.socket(ipv6: true, port: port) } catch {
            close(v4)
            throw error
        }
        report.peers = peers.count
    }

    deinit {
        close(v4)
        close(v6)
    }

    static func socket(ipv6: Bool, port: UInt16) throws(LabError) -> Int32 {
        let fd = Glibc.socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabError("socket: errno \(errno)") }
        var on: Int32 = 1
        if ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size)) }
        // A steady 100,000 peers send and hear about 10,000 datagrams a second; bursts must not overflow.
        var size: Int32 = 16 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        let enabled = sixplane_udp_enable_pktinfo(fd, ipv6 ? 1 : 0)
        guard enabled == 0 else {
            close(fd)
            throw LabError("source addresses per datagram: errno \(-enabled)")
        }
        let any: InetAddress = ipv6 ? .ipv6(IPv6Address(high: 0, low: 0), port: port) : .ipv4(IPv4Address(rawValue: 0), port: port)
        let bound = SocketAddresses.withSockaddr(any) { bind(fd, $0, $1) } ?? -1
        guard bound == 0 else {
            let e = errno
            close(fd)
            throw LabError("bind \(any): errno \(e)")
        }
        return fd
    }

    /// Sends and receives until every peer was answered (or `rampLimit` seconds passed), calls `steady` with the
    /// ramp's counts, goes on for `steadySeconds`, and reports that time's counts. `progress` hears the report every `progressInterval` seconds.
    public func run(
        rampLimit: Double, steadySeconds: Double, progressInterval: Double = 2, steady: (Report) -> Void = { _ in },
        progress: (Report) -> Void = { _ in }
    ) -> Report {
        let started = Self.monotonic()
        let cpuStarted = Self.processCPU()
        var nextProgress = started + Int64(progressInterval * 1e6)
        var steadyStart: Int64?
        while true {
            let now = Self.monotonic()
            if steadyStart == nil, peers.answered == peers.count || Double(now - started) / 1e6 >= rampLimit {
                steadyStart = now
                report.rampSeconds = Double(now - started) / 1e6
                steady(snapshot(now: now))
                // The report's counts are the steady state's.
                peers.resetStatistics()
                report.received = 0
                report.sendErrors = 0
            }
            if let s = steadyStart, Double(now - s) / 1e6 >= steadySeconds {
                report.steadySeconds = Double(now - s) / 1e6
                break
            }
            if now >= nextProgress {
                progress(snapshot(now: now))
                nextProgress = now + Int64(progressInterval * 1e6)
            }
            step(now: now)
        }
        var final = snapshot(now: Self.monotonic())
        final.generatorCPUSeconds = Self.processCPU() - cpuStarted
        return final
    }

    /// One turn: what is due goes out, what arrived comes in, then a short wait for more.
    func step(now: Int64) {
        peers.poll(now: now, into: &out)
        for d in out { send(d) }
        out.removeAll(keepingCapacity: true)
        var fds = [pollfd(fd: v4, events: Int16(POLLIN), revents: 0), pollfd(fd: v6, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, 2)
        for fd in [v4, v6] { drain(fd) }
    }

    private func send(_ d: SyntheticPeers.Datagram) {
        let sent = d.bytes.withUnsafeBytes { bytes in
            SocketAddresses.withSockaddr(d.destination) { to, length in
                SocketAddresses.withSockaddr(d.source) { from, _ in
                    sixplane_udp_send_from(Self.family(d.destination) == AF_INET6 ? v6 : v4, bytes.baseAddress, UInt(bytes.count), to, length, from)
                } ?? -1
            } ?? -1
        }
        if sent < 0 { report.sendErrors += 1 }
    }

    static func family(_ a: InetAddress) -> Int32 {
        if case .ipv6 = a { return AF_INET6 }
        return AF_INET
    }

    /// What is waiting on `fd`, at most 4,096 datagrams a turn (so sending is never starved).
    private func drain(_ fd: Int32) {
        var from = sockaddr_in6()
        var to = sockaddr_in6()
        for _ in 0..<4096 {
            var fromLength = socklen_t(MemoryLayout<sockaddr_in6>.size)
            let n = buffer.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) { f in
                    withUnsafeMutablePointer(to: &to) { t in
                        f.withMemoryRebound(to: sockaddr.self, capacity: 1) { fp in
                            t.withMemoryRebound(to: sockaddr.self, capacity: 1) { tp in
                                sixplane_udp_receive_to(fd, b.baseAddress, UInt(b.count), fp, &fromLength, tp)
                            }
                        }
                    }
                }
            }
            guard n > 0 else { return }
            report.received += 1
            var packet = Array(buffer[0..<n])
            peers.receive(&packet, destination: Self.inet(to), now: Self.monotonic())
        }
    }

    static func inet(_ a: sockaddr_in6) -> InetAddress? {
        switch Int32(a.sin6_family) {
        case AF_INET6:
            return .ipv6(SocketAddresses.ipv6(a.sin6_addr), port: 0)
        case AF_INET:
            return withUnsafeBytes(of: a) { raw in
                let v4 = raw.load(as: sockaddr_in.self)
                return .ipv4(IPv4Address(rawValue: UInt32(bigEndian: v4.sin_addr.s_addr)), port: 0)
            }
        default:
            return nil
        }
    }

    private func snapshot(now: Int64) -> Report {
        var r = report
        let s = peers.statistics
        r.answered = peers.answered
        r.alive = peers.alive(now: now)
        r.hellosSent = s.hellosSent
        r.helloAnswers = s.helloAnswers
        r.echoesSent = s.echoesSent
        r.echoAnswers = s.echoAnswers
        r.whoisSent = s.whoisSent
        r.whoisAnswers = s.whoisAnswers
        r.whoisWrong = s.whoisWrong
        r.whoisLost = s.whoisLost
        r.unknownDestination = s.unknownDestination
        r.badMAC = s.badMAC
        r.malformed = s.malformed
        r.wrongAddress = s.wrongAddress
        r.errors = s.errors
        r.other = s.other
        r.rootHellos = s.rootHellos
        r.whoisP50Microseconds = peers.latency(quantile: 0.5)
        r.whoisP99Microseconds = peers.latency(quantile: 0.99)
        return r
    }

    public static func monotonic() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The source address of synthetic peer `i`: three in four get an IPv6 /48 of their own in fd99::/16, one in
    /// four an IPv4 address in 172.16.0.0/12, consecutive ones in different /24s (as nodes on the internet would
    /// be). The generator's host routes both ranges to itself as local; the root routes them back to it.
    public static func source(_ i: Int) -> InetAddress {
        if i % 4 == 3 {
            let k = UInt32(i / 4)
            return .ipv4(IPv4Address(rawValue: 0xac10_0000 | (k % 4096) << 8 | (k / 4096 % 254 + 1)), port: 0)
        }
        return .ipv6(IPv6Address(high: 0xfd99_0000_0000_0000 | UInt64(i) << 16, low: 1), port: 0)
    }

    /// The routes that make the sources local to the generator's host (run there before the generator).
    public static let localRoutes = [
        ["ip", "route", "replace", "local", "172.16.0.0/12", "dev", "lo"],
        ["ip", "-6", "route", "replace", "local", "fd99::/16", "dev", "lo"],
    ]
}
