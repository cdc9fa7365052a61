import Foundation
import NIOCore
import NIOPosix
import SixplaneCore
import SixplaneDNS
import SixplaneDaemon
import Testing

/// The DNS server on real UDP sockets, asked by a real client (Debian's dig): a controller's node on 127.0.0.1 and a
/// host's on 127.0.0.2, the controller asking the host for what the host runs, malformed datagrams answered or
/// dropped and counted, and a source over its limit dropped.
@Suite(.serialized) struct DNSServerTests {
    static let nwid = try! NetworkID(hex: "8056c2e21c000001")
    static let ctl = try! Address(hex: "8056c2e21c")
    static let h1 = try! Address(hex: "1122334455")
    static let h2 = try! Address(hex: "a1b2c3d4e5")
    static let container = IPAddress.v6(SixPlane(network: nwid, node: h1).address(interfaceID: 0x0242_ac11_0002))
    static let digAvailable = FileManager.default.isExecutableFile(atPath: "/usr/bin/dig")

    /// The two servers; the member's address (its server) is 127.0.0.2 here, as its 6PLANE ::1 would be.
    static func servers() throws -> (DNSServer, DNSServer, Int, MultiThreadedEventLoopGroup) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let controller = DNSServer(loop: group.next(), limiter: DNSRateLimiter(perSecond: 20, burst: 40)), host = DNSServer(loop: group.next())
        let one = try IPAddress(parsing: "127.0.0.1"), two = try IPAddress(parsing: "127.0.0.2")
        try controller.listen(on: [one], port: 0).wait()
        let port = try #require(try controller.port(of: one).wait())
        try host.listen(on: [two, try IPAddress(parsing: "::1")], port: port).wait()
        try controller.loop.submit { controller.forwardPort = port }.wait()
        let domain = try DNSName("lab.example")
        controller.update { r in
            var zone = DNSZone(network: nwid, domain: domain, node: ctl, ownPrefixes: [try! IPPrefix(parsing: "127.0.0.1/8")], servers: [one])
            var d = MemberDirectory()
            d.set(ctl, .init(address: ctl, label: "ctl", addresses: [one]))
            d.set(h1, .init(address: h1, label: "h1", addresses: [try! IPAddress(parsing: "::1"), two]))
            // A member reached over IPv4 only (its server is h1's, which does not know the name).
            d.set(h2, .init(address: h2, label: "h2", addresses: [two]))
            zone.members = d
            r.zones[nwid] = zone
        }
        host.update { r in
            var zone = DNSZone(network: nwid, domain: domain, node: h1, ownPrefixes: [try! IPPrefix(parsing: "127.0.0.2/8"), SixPlane(network: nwid, node: h1).assignedAddress], servers: [one])
            zone.hostLabel = "h1"
            zone.setContainers([("web", [container])])
            r.zones[nwid] = zone
        }
        return (controller, host, port, group)
    }

    static func dig(_ port: Int, _ args: String...) -> String {
        Spawn.run(["dig", "@127.0.0.1", "-p", String(port), "+time=2", "+tries=1"] + args).output
    }

    /// The controller's server, as the kernel takes it.
    static func loopback(_ port: Int) -> InetAddress { .ipv4(IPv4Address(127, 0, 0, 1), port: UInt16(port)) }

    /// One datagram to the server and its answer, if one comes within a second.
    static func exchange(_ bytes: [UInt8], port: Int) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = SocketAddresses.withSockaddr(Self.loopback(port)) { sendto(fd, bytes, bytes.count, 0, $0, $1) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? Array(buffer.prefix(n)) : nil
    }

    @Test(.enabled(if: digAvailable, "needs bind9-dnsutils (make test installs it)"))
    func answersDig() throws {
        let (controller, host, port, group) = try Self.servers()
        defer {
            _ = try? controller.close().wait()
            _ = try? host.close().wait()
            try? group.syncShutdownGracefully()
        }
        #expect(Self.dig(port, "h1.lab.example", "AAAA", "+short") == "::1\n")
        #expect(Self.dig(port, "h1.lab.example", "A", "+short") == "127.0.0.2\n")
        // Below the member: asked of the member's own server, relayed (recursion available, not authoritative).
        let relayed = Self.dig(port, "web.h1.lab.example", "AAAA")
        #expect(relayed.contains("status: NOERROR") && relayed.contains("\(Self.container)") && relayed.contains(" ra"), "\(relayed)")
        #expect(controller.counters.forwarded == 1)
        // Asked over IPv4 (from the dual-stack socket), and the member's own answer relayed as it came.
        #expect(Self.dig(port, "web.h2.lab.example", "AAAA").contains("status: REFUSED"))
        // Without recursion: the referral, NS and glue.
        let referral = Self.dig(port, "web.h1.lab.example", "AAAA", "+norecurse")
        #expect(referral.contains("AUTHORITY: 1") && referral.contains("IN\tNS\th1.lab.example."), "\(referral)")
        #expect(referral.contains("IN\tA\t127.0.0.2") && referral.contains("IN\tAAAA\t::1"), "glue: \(referral)")
        #expect(Self.dig(port, "nobody.lab.example", "AAAA").contains("status: NXDOMAIN"))
        #expect(Self.dig(port, "example.com", "A").contains("status: REFUSED"))
        #expect(Self.dig(port, "-x", "127.0.0.2", "+short") == "h1.lab.example.\n")
        #expect(Self.dig(port, "-x", "\(Self.container)", "+short") == "web.h1.lab.example.\n", "the container's reverse name, from its host")
        // A container gone from the host is gone from the answers at once.
        host.update { $0.zones[Self.nwid]!.setContainers([]) }
        #expect(Self.dig(port, "web.h1.lab.example", "AAAA").contains("status: NXDOMAIN"))
        // The host down: SERVFAIL within the forward timeout, not a hang.
        _ = try host.close().wait()
        let started = Date()
        #expect(Self.dig(port, "web.h1.lab.example", "AAAA", "+time=5").contains("status: SERVFAIL"))
        #expect(Date().timeIntervalSince(started) < 4)
    }

    /// TCP beside UDP: answers, a question relayed for a TCP client, several questions on one connection, and a
    /// connection that sends what cannot be a message is closed.
    @Test(.enabled(if: digAvailable, "needs bind9-dnsutils (make test installs it)"))
    func answersOverTCP() throws {
        let (controller, host, port, group) = try Self.servers()
        defer {
            _ = try? controller.close().wait()
            _ = try? host.close().wait()
            try? group.syncShutdownGracefully()
        }
        #expect(Self.dig(port, "+tcp", "h1.lab.example", "AAAA", "+short") == "::1\n")
        #expect(Self.dig(port, "+tcp", "web.h1.lab.example", "AAAA", "+short") == "\(Self.container)\n", "relayed for a TCP client")
        #expect(Self.dig(port, "+tcp", "example.com", "A").contains("status: REFUSED"))
        // Two questions in one write, then a length too short for a header.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = SocketAddresses.withSockaddr(Self.loopback(port)) { connect(fd, $0, $1) }
        try #require(connected == 0)
        var out: [UInt8] = []
        for id: UInt16 in [21, 22] {
            var q = DNSMessage(header: .init(id: id))
            q.questions = [DNSQuestion(name: try DNSName("h1.lab.example"), type: DNSType.a)]
            let bytes = q.serialized()
            out += [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xff)] + bytes
        }
        out += [0, 3, 1, 2, 3]
        #expect(send(fd, out, out.count, 0) == out.count)
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            got += buffer.prefix(n)
        }
        var ids: [UInt16] = []
        var at = 0
        while at + 2 <= got.count {
            let length = Int(got[at]) << 8 | Int(got[at + 1])
            guard at + 2 + length <= got.count, let m = try? DNSMessage(parsing: Array(got[(at + 2)..<(at + 2 + length)])) else { break }
            #expect(m.answers.map(\.data) == [.a(IPv4Address(127, 0, 0, 2))])
            ids.append(m.header.id)
            at += 2 + length
        }
        #expect(ids == [21, 22] && at == got.count, "both answered, then the connection closed (\(got.count) bytes)")
    }

    /// A host that does not know its member name asks the controller's node for it (the PTR of its 6PLANE address)
    /// and then answers under it.
    @Test(.enabled(if: digAvailable, "needs bind9-dnsutils (make test installs it)"))
    func hostLearnsItsName() throws {
        let (controller, host, port, group) = try Self.servers()
        defer {
            _ = try? controller.close().wait()
            _ = try? host.close().wait()
            try? group.syncShutdownGracefully()
        }
        let plane = IPAddress.v6(SixPlane(network: Self.nwid, node: Self.h1).address)
        controller.update { r in
            r.zones[Self.nwid]!.members!.set(Self.h1, .init(address: Self.h1, label: "builder", addresses: [plane, try! IPAddress(parsing: "127.0.0.2")]))
        }
        try host.loop.submit { host.forwardPort = port }.wait()
        host.update { $0.zones[Self.nwid]!.hostLabel = nil }
        Self.waitFor(seconds: 5) { host.responder.zones[Self.nwid]?.hostLabel == "builder" }
        #expect(host.responder.zones[Self.nwid]?.hostLabel == "builder")
        let asked = Spawn.run(["dig", "@127.0.0.2", "-p", String(port), "+time=2", "+tries=1", "web.builder.lab.example", "AAAA", "+short"]).output
        #expect(asked == "\(Self.container)\n")
    }

    /// Listen calls made while another's binds are in flight: no address bound twice, and one given up before its bind
    /// finished is not kept.
    @Test func overlappingListens() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let server = DNSServer(loop: group.next())
        defer { _ = try? server.close().wait() }
        let three = try IPAddress(parsing: "127.0.0.3"), four = try IPAddress(parsing: "127.0.0.4")
        let first = server.listen(on: [three, four], port: 0), second = server.listen(on: [three], port: 0)
        try first.wait()
        try second.wait()
        #expect(try server.port(of: three).wait() != nil)
        #expect(try server.port(of: four).wait() == nil, "given up by the second call")
        let gone = server.listen(on: [four], port: 0), none = server.listen(on: [], port: 0)
        try gone.wait()
        try none.wait()
        #expect(try server.port(of: three).wait() == nil && server.port(of: four).wait() == nil)
    }

    @Test func malformedAndFloods() throws {
        let (controller, host, port, group) = try Self.servers()
        defer {
            _ = try? controller.close().wait()
            _ = try? host.close().wait()
            try? group.syncShutdownGracefully()
        }
        // A claimed question that is not there, a compression loop: FORMERR with the id.
        for bytes: [UInt8] in [[0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0, 8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]] {
            let answer = try #require(Self.exchange(bytes, port: port))
            #expect(answer[1] == bytes[1] && answer[3] & 0x0f == DNSMessage.RCode.formatError)
        }
        // Too short for a header, a response: no answer, counted.
        #expect(Self.exchange([1, 2, 3], port: port) == nil)
        #expect(Self.exchange([0, 9, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0], port: port) == nil)
        #expect(controller.counters.dropped[.unreadable] == 1 && controller.counters.dropped[.notAQuery] == 1)
        // Oversized (a datagram of 60,000 bytes of nothing) is read as bytes after the message: FORMERR.
        var big = [UInt8](repeating: 0, count: 60_000)
        big[1] = 10
        #expect(Self.exchange(big, port: port).map { $0[3] & 0x0f } == DNSMessage.RCode.formatError)
        // A flood from one source: past its bucket, dropped and counted; the server still answers after.
        var q = DNSMessage(header: .init(id: 11))
        q.questions = [DNSQuestion(name: try DNSName("h1.lab.example"), type: DNSType.a)]
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let bytes = q.serialized()
        for _ in 0..<100 {
            Thread.sleep(forTimeInterval: 0.001)
            _ = SocketAddresses.withSockaddr(Self.loopback(port)) { sendto(fd, bytes, bytes.count, 0, $0, $1) }
        }
        close(fd)
        Self.waitFor(seconds: 1) { (controller.counters.dropped[.rateLimited] ?? 0) > 0 }
        #expect((controller.counters.dropped[.rateLimited] ?? 0) > 0, "\(controller.counters)")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(Self.exchange(bytes, port: port) != nil, "answers again once the bucket refills")
    }

    static func waitFor(seconds: Double, _ condition: () -> Bool) {
        let end = Date().addingTimeInterval(seconds)
        while !condition() && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
    }
}
