import CSixplaneTap
import Foundation

extension LabHost {
    /// A TCP connection to 127.0.0.1:`port` inside the host's namespace, made from this process: the socket is
    /// created with this thread switched into the namespace (and straight back), and keeps that namespace.
    public func connectLoopback(port: Int, timeoutSeconds: Int = 60) throws(LabError) -> Int32 {
        let target = open("/var/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        let own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        defer {
            if target >= 0 { close(target) }
            if own >= 0 { close(own) }
        }
        guard target >= 0, own >= 0 else { throw LabError("cannot open the namespaces of \(name) (errno \(errno))") }
        let entered = sixplane_enter_net_namespace(target)
        guard entered == 0 else { throw LabError("setns into \(namespace) failed (errno \(-entered))") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let created = errno
        let back = sixplane_enter_net_namespace(own)
        guard back == 0 else { fatalError("cannot switch back from \(namespace) (errno \(-back))") }
        guard fd >= 0 else { throw LabError("socket in \(namespace) failed (errno \(created))") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let e = errno
            close(fd)
            throw LabError("connect to 127.0.0.1:\(port) in \(namespace) failed (errno \(e))")
        }
        return fd
    }
}
