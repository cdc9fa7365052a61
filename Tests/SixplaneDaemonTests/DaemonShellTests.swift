import Foundation
import SixplaneCore
import SixplaneTestSupport
import Testing

@testable import SixplaneDaemon

/// Small parts of the daemon's shell: the tick schedule, the low TTL of NAT-opening packets on real sockets, the
/// durable file operations.
@Suite struct DaemonShellTests {
    @Test(arguments: [
        // (deadline - now, wait)
        (Int64(-50), Int64(1)), (0, 1), (1, 1), (250, 250), (500, 500), (999, 999), (5_000, 1_000),
    ])
    func ticksComeAtTheNodesDeadline(ahead: Int64, wait: Int64) {
        #expect(DaemonTimers.wait(deadline: 1_000_000 + ahead, now: 1_000_000) == wait)
    }

    @Test(arguments: [true, false])
    func aLowTTLIsForOneDatagramOnly(ipv4: Bool) throws {
        let fd = socket(ipv4 ? AF_INET : AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        let before = LowTTL.current(fd: fd, ipv4: ipv4)
        let low = LowTTL(fd: fd, ipv4: ipv4, ttl: 2)
        #expect(LowTTL.current(fd: fd, ipv4: ipv4) == 2)
        low.restore()
        #expect(LowTTL.current(fd: fd, ipv4: ipv4) == before)
    }

    @Test func aLowTTLLeavesTheSocketItWentThrough() throws {
        // Two sockets on loopback: the low-TTL datagram arrives (a hop limit of 2 reaches a neighbour), and the
        // socket sends with its usual TTL afterwards.
        let receiver = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer {
            close(receiver)
            close(sender)
        }
        var on: Int32 = 1
        setsockopt(receiver, Int32(IPPROTO_IP), IP_RECVTTL, &on, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                _ = bind(receiver, $0, length)
                _ = getsockname(receiver, $0, &length)
            }
        }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        func send() {
            var byte: UInt8 = 0x42
            withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = sendto(sender, &byte, 1, 0, $0, length) }
            }
        }
        /// The TTL the datagram arrived with.
        func receivedTTL() -> Int32? {
            var byte: UInt8 = 0
            var control = [UInt8](repeating: 0, count: 64)
            return withUnsafeMutableBytes(of: &byte) { data in
                control.withUnsafeMutableBytes { c in
                    var iov = iovec(iov_base: data.baseAddress, iov_len: 1)
                    return withUnsafeMutablePointer(to: &iov) { iovp in
                        var msg = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: iovp, msg_iovlen: 1, msg_control: c.baseAddress, msg_controllen: c.count, msg_flags: 0)
                        guard recvmsg(receiver, &msg, 0) == 1, msg.msg_controllen >= MemoryLayout<cmsghdr>.size + 4 else { return nil }
                        // The first control message is IP_TTL: a cmsghdr, then an int.
                        return c.load(fromByteOffset: MemoryLayout<cmsghdr>.size, as: Int32.self)
                    }
                }
            }
        }
        let low = LowTTL(fd: sender, ipv4: true, ttl: 2)
        send()
        low.restore()
        #expect(receivedTTL() == 2)
        send()
        let usual = receivedTTL()
        #expect(usual != nil && usual != 2 && usual! >= 32)
    }

    @Test func durableWritesAndRemovals() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("nested/a/state")
        try FileIO.makeDirectory(dir.file("nested/a"))
        try FileIO.write(path, text: "one", mode: 0o600)
        #expect(try FileIO.readText(path) == "one")
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("nested/a")) == ["state"])
        try FileIO.remove(path)
        #expect(!FileIO.exists(path))
        // Removing what is not there is fine; a directory that does not exist cannot be synced.
        try FileIO.remove(path)
        #expect(throws: DaemonError.self) { try FileIO.syncDirectory(containing: dir.file("missing/x")) }
    }
}
