import Foundation
import NIOCore
import SixplaneCore

/// When the shell's own periodic work is next due, besides the node's.
struct DaemonTimers {
    var lastResync: Int64 = 0
    var lastInterfaceScan: Int64 = 0
    /// The routes and addresses the OS may have lost are re-applied this often.
    static let resync: Int64 = 30_000
    static let interfaceScan: Int64 = 60_000
    /// The node's deadline is honoured, but never waited past this (the shell's timers are coarse).
    static let longestSleep: Int64 = 1_000

    /// Milliseconds until the next tick for the node's `deadline`: at least 1 (a deadline already past), at most
    /// `longestSleep`.
    static func wait(deadline: Int64, now: Int64) -> Int64 {
        min(max(deadline - now, 1), longestSleep)
    }
}

extension DaemonNode {
    /// Ticks the node when its deadline comes, and runs the shell's timers with it.
    func scheduleTick(after now: Int64) {
        let deadline = node.tick(now: now)
        if now - timers.lastResync >= DaemonTimers.resync {
            timers.lastResync = now
            netconf.resync()
            resolver.resync()
        }
        if now - timers.lastInterfaceScan >= DaemonTimers.interfaceScan { scanInterfaces(now) }
        let wait = DaemonTimers.wait(deadline: deadline, now: now)
        loop.scheduleTask(in: .milliseconds(wait)) { [weak self] in
            guard let self, !self.isStopped else { return }
            self.scheduleTick(after: Self.now())
        }
    }

    /// Our physical addresses (for PUSH_DIRECT_PATHS); the node leaves out the ones no path may use.
    func scanInterfaces(_ now: Int64) {
        timers.lastInterfaceScan = now
        guard port != 0 else { return }
        node.localAddresses = InterfaceScan.addresses(port: UInt16(port))
    }
}

/// The machine's addresses, from every interface but loopback and overlays (names starting lo, zt, tun, tap).
enum InterfaceScan {
    static func addresses(port: UInt16) -> [InetAddress] {
        var found: [InetAddress] = []
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var p = list
        while let ifa = p {
            defer { p = ifa.pointee.ifa_next }
            let name = String(cString: ifa.pointee.ifa_name)
            guard !["lo", "zt", "tun", "tap"].contains(where: { name.hasPrefix($0) }), let sa = ifa.pointee.ifa_addr else { continue }
            switch Int32(sa.pointee.sa_family) {
            case AF_INET:
                let a = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                found.append(.ipv4(IPv4Address(rawValue: UInt32(bigEndian: a.sin_addr.s_addr)), port: port))
            case AF_INET6:
                let a = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                found.append(.ipv6(SocketAddresses.ipv6(a.sin6_addr), port: port))
            default: continue
            }
        }
        return found
    }
}
