import Foundation
import NIOPosix
import SixplaneCore
import SixplaneDNS
import SixplaneDaemon

/// DNS answered by real servers on loopback sockets: a controller's node (127.0.0.1) holding `members` members and a
/// host's node (127.0.0.2) with containers, as the daemon runs them (their own loop, the per-source limiter raised
/// out of the way). A client on this thread keeps `window` questions in flight and times each one.
enum DNSBenchmark {
    struct Figures: Encodable {
        var name: String
        var window: Int
        var queriesPerSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var answered: Int
        var lost: Int
    }

    static let nwid = try! NetworkID(hex: "8056c2e21c000001")
    static let domain = try! DNSName("lab.example")

    static func run(members: Int, seconds: Double) throws -> [Figures] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let limiter = DNSRateLimiter(perSecond: 10_000_000, burst: 10_000_000)
        let controller = DNSServer(loop: group.next(), limiter: limiter), host = DNSServer(loop: group.next(), limiter: limiter)
        defer {
            _ = try? controller.close().wait()
            _ = try? host.close().wait()
        }
        let one = try IPAddress(parsing: "127.0.0.1"), two = try IPAddress(parsing: "127.0.0.2")
        try controller.listen(on: [one], port: 0).wait()
        guard let port = try controller.port(of: one).wait() else { throw CLIError("the benchmark's server got no port") }
        try host.listen(on: [two], port: port).wait()
        try controller.loop.submit { controller.forwardPort = port }.wait()
        let ctl = try Address(hex: "8056c2e21c"), h1 = try Address(hex: "1122334455")
        var directory = MemberDirectory()
        directory.set(h1, .init(address: h1, label: "h1", addresses: [two]))
        for i in 1..<max(1, members) {
            let a = Address(truncating: 0x10_0000_0000 + UInt64(i))
            directory.set(a, .init(address: a, label: "m\(i)", addresses: [.v6(SixPlane(network: nwid, node: a).address), .v4(IPv4Address(rawValue: 0x0a00_0000 | UInt32(i & 0xff_ffff)))]))
        }
        controller.update { r in
            var zone = DNSZone(network: nwid, domain: domain, node: ctl, ownPrefixes: [try! IPPrefix(parsing: "127.0.0.1/8")], servers: [one])
            zone.members = directory
            r.zones[nwid] = zone
        }
        let container = IPAddress.v6(SixPlane(network: nwid, node: h1).address(interfaceID: 0x0242_ac11_0002))
        host.update { r in
            var zone = DNSZone(network: nwid, domain: domain, node: h1, ownPrefixes: [try! IPPrefix(parsing: "127.0.0.2/8")], servers: [one])
            zone.hostLabel = "h1"
            zone.setContainers([("web", [container])])
            r.zones[nwid] = zone
        }
        let count = max(1, members - 1)
        let cases: [(String, (Int) -> (String, Bool))] = [
            ("member by name (own zone)", { i in ("m\(1 + i % count).lab.example", true) }),
            ("container, referral (delegated)", { _ in ("web.h1.lab.example", false) }),
            ("container, relayed (delegated)", { _ in ("web.h1.lab.example", true) }),
        ]
        var out: [Figures] = []
        for (name, question) in cases {
            for window in [1, 64] {
                out.append(measure(name, window: window, port: port, seconds: seconds, question: question))
            }
        }
        return out
    }

    /// Questions to 127.0.0.1:`port`, `window` in flight, for `seconds`; each answer timed from its question.
    static func measure(_ name: String, window: Int, port: Int, seconds: Double, question: (Int) -> (String, Bool)) -> Figures {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = SocketAddresses.withSockaddr(.ipv4(IPv4Address(127, 0, 0, 1), port: UInt16(port))) { connect(fd, $0, $1) }
        let clock = ContinuousClock()
        var sentAt = [ContinuousClock.Instant?](repeating: nil, count: 65536)
        var inFlight = 0, next = 0, answered = 0, lost = 0
        var times: [Double] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        let start = clock.now, end = start + .milliseconds(Int(seconds * 1000))
        while clock.now < end {
            while inFlight < window {
                let (text, rd) = question(next)
                var q = DNSMessage(header: .init(id: UInt16(next & 0xffff)))
                q.header.recursionDesired = rd
                q.questions = [DNSQuestion(name: try! DNSName(text), type: DNSType.aaaa)]
                let bytes = q.serialized()
                sentAt[next & 0xffff] = clock.now
                _ = send(fd, bytes, bytes.count, 0)
                next += 1
                inFlight += 1
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 12 {
                // Nothing within 200 ms: what was in flight is lost.
                lost += inFlight
                inFlight = 0
                continue
            }
            let id = Int(buffer[0]) << 8 | Int(buffer[1])
            guard let t = sentAt[id] else { continue }
            sentAt[id] = nil
            times.append((clock.now - t).inSeconds * 1000)
            answered += 1
            inFlight -= 1
        }
        let elapsed = (clock.now - start).inSeconds
        times.sort()
        func q(_ p: Double) -> Double { times.isEmpty ? 0 : times[min(times.count - 1, Int(Double(times.count) * p))] }
        return Figures(name: name, window: window, queriesPerSecond: Double(answered) / elapsed, p50Milliseconds: q(0.5), p99Milliseconds: q(0.99), answered: answered, lost: lost)
    }
}
