import CSixplaneTap
import Foundation
import NIOCore
import SixplaneCore

extension DaemonNode {
    /// One read from a socket: a datagram, or with UDP GRO several of `segmentSize` bytes end to end (the last may be
    /// shorter). The read is one burst: what it sends goes out together, and the TCP segments it delivers to a tap
    /// are merged into as few writes as they allow.
    func receive(_ buffer: inout ByteBuffer, from address: SocketAddress, socket: Int, segmentSize: Int? = nil) {
        guard let from = SocketAddresses.inet(address) else { return }
        let now = Self.now()
        let node = self.node!
        buffer.withUnsafeMutableReadableBytes { all in
            node.burst {
                guard let size = segmentSize, size > 0, size < all.count else {
                    node.receive(datagram: all, from: from, localSocket: socket, now: now)
                    return
                }
                counters.groReads += 1
                var at = 0
                while at < all.count {
                    let end = min(at + size, all.count)
                    node.receive(datagram: UnsafeMutableRawBufferPointer(rebasing: all[at..<end]), from: from, localSocket: socket, now: now)
                    at = end
                }
            }
        }
    }

    /// The socket a path was learned on (so a reply leaves from the port the peer sent to, which a NAT insists on),
    /// else the primary one of the address's family. Even sockets are IPv4, odd IPv6.
    func sendDescriptor(for address: InetAddress, localSocket: Int) -> Int32 {
        let family = if case .ipv4 = address { 0 } else { 1 }
        if localSocket >= 0, localSocket < sendDescriptors.count, localSocket % 2 == family, sendDescriptors[localSocket] >= 0 {
            return sendDescriptors[localSocket]
        }
        return sendDescriptors[family]
    }

    public func send(datagram: UnsafeRawBufferPointer, to address: InetAddress, localSocket: Int, ttl: Int?) {
        let fd = sendDescriptor(for: address, localSocket: localSocket)
        guard fd >= 0 else { return }
        // A low TTL for this one datagram (NAT-opening junk), as ZeroTier does: set, send, put back.
        let hops = ttl.map { ttl in
            let ipv4: Bool = if case .ipv4 = address { true } else { false }
            return LowTTL(fd: fd, ipv4: ipv4, ttl: ttl)
        }
        defer { hops?.restore() }
        guard let n = SocketAddresses.withSockaddr(address, { sendto(fd, datagram.baseAddress, datagram.count, Int32(MSG_DONTWAIT), $0, $1) })
        else { return }
        // Unreachable networks, full buffers: the datagram is lost, as UDP may lose it anyway; the node retries.
        if n < 0 { counters.sendErrors += 1 }
    }

    /// Several datagrams to one address in one sendmsg with UDP GSO (UDP_SEGMENT); one by one where the kernel or
    /// the device cannot, which is then remembered.
    public func send(segments: UnsafeRawBufferPointer, segmentSize: Int, to address: InetAddress, localSocket: Int) {
        let fd = sendDescriptor(for: address, localSocket: localSocket)
        if segments.count > segmentSize, gsoAvailable, fd >= 0, segmentSize <= Int(UInt16.max) {
            guard
                let n = SocketAddresses.withSockaddr(address, {
                    sixplane_send_segments(fd, segments.baseAddress, UInt(segments.count), UInt16(segmentSize), $0, $1)
                })
            else { return }  // not an address a socket can send to
            guard n < 0 else {
                counters.gsoSends += 1
                return
            }
            switch Int32(-n) {
            case EIO, ENOPROTOOPT, EOPNOTSUPP:
                gsoAvailable = false
                logger.info("UDP GSO unavailable (\(String(cString: strerror(Int32(-n))))): sending datagrams one by one")
            case EINVAL: break  // this batch only (e.g. a path whose MTU is smaller)
            default:
                counters.sendErrors += (segments.count + segmentSize - 1) / segmentSize
                return
            }
        }
        sendOneByOne(segments: segments, segmentSize: segmentSize, to: address, localSocket: localSocket)
    }
}

/// A socket's unicast TTL (IPv4) or hop limit (IPv6) lowered for one send, then put back as it was.
struct LowTTL {
    let fd: Int32
    let level: Int32
    let option: Int32
    let previous: Int32

    init(fd: Int32, ipv4: Bool, ttl: Int) {
        self.fd = fd
        (level, option) = Self.option(ipv4: ipv4)
        previous = Self.current(fd: fd, ipv4: ipv4)
        var value = Int32(clamping: ttl)
        setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    func restore() {
        // -1 is the system default for IPV6_UNICAST_HOPS; IPv4 gets back what it had.
        var value = previous
        setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    static func option(ipv4: Bool) -> (level: Int32, name: Int32) {
        ipv4 ? (Int32(IPPROTO_IP), Int32(IP_TTL)) : (Int32(IPPROTO_IPV6), Int32(IPV6_UNICAST_HOPS))
    }

    /// The socket's current value (-1: the system default, or unreadable).
    static func current(fd: Int32, ipv4: Bool) -> Int32 {
        let (level, name) = option(ipv4: ipv4)
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, level, name, &value, &length) != 0 { value = -1 }
        return value
    }
}
