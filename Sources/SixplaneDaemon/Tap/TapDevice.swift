import CSixplaneTap
import Foundation
import Logging
import SixplaneCore

/// One TAP device: the network's virtual Ethernet port on this host. A thread of its own reads frames (each read
/// is exactly one frame) and hands them to the node in bursts; writes are one frame per call.
public final class TapDevice: @unchecked Sendable {
    public let name: String
    public let network: NetworkID
    let fd: Int32
    /// A pipe whose write end wakes the reader to stop it.
    private let wakeRead: Int32, wakeWrite: Int32
    private let exited = DispatchSemaphore(value: 0)
    private var started = false, closed = false
    private let logger = Logger(label: "sixplane.tap")

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates the device, sets its MAC and MTU and brings it up.
    public init(name: String, network: NetworkID, mac: MAC, mtu: Int) throws {
        let fd = sixplane_tap_open(name)
        guard fd >= 0 else { throw Failure(description: "cannot create tap \(name): \(String(cString: strerror(-fd)))") }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            Glibc.close(fd)
            throw Failure(description: "cannot create tap \(name): pipe: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        (wakeRead, wakeWrite) = (pipeFDs[0], pipeFDs[1])
        self.name = name
        self.network = network
        let bytes = mac.bytes
        var rc = bytes.withUnsafeBufferPointer { sixplane_tap_set_mac(name, $0.baseAddress) }
        if rc == 0 { rc = sixplane_tap_set_mtu(name, Int32(mtu)) }
        if rc == 0 { rc = sixplane_tap_set_up(name, 1) }
        guard rc == 0 else {
            for f in [fd, wakeRead, wakeWrite] { Glibc.close(f) }
            throw Failure(description: "cannot configure tap \(name): \(String(cString: strerror(-rc)))")
        }
    }

    public func setMTU(_ mtu: Int) {
        let rc = sixplane_tap_set_mtu(name, Int32(mtu))
        if rc != 0 { logger.warning("cannot set MTU \(mtu) on \(name): \(String(cString: strerror(-rc)))") }
    }

    /// Starts the reader thread. It sleeps in poll until the tap (or the stop pipe) is readable, then reads every
    /// frame waiting and hands them on together: one hop to the node's loop per burst, not per frame.
    public func start(_ frames: @escaping @Sendable ([EthernetFrame]) -> Void) {
        let fd = self.fd, wake = wakeRead, name = self.name, exited = self.exited
        let thread = Thread {
            defer { exited.signal() }
            var buffer = [UInt8](repeating: 0, count: 16384)
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            while true {
                guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
                if fds[1].revents != 0 { return }
                var burst: [EthernetFrame] = []
                while burst.count < 64 {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 {
                        if errno == EINTR { continue }
                        if errno == EAGAIN { break }
                        Logger(label: "sixplane.tap").error("read from \(name) failed: errno \(errno)")
                        if !burst.isEmpty { frames(burst) }
                        return
                    }
                    guard n >= 14 else { continue }
                    burst.append(
                        EthernetFrame(
                            destination: MAC(bytes: buffer[0..<6]), source: MAC(bytes: buffer[6..<12]),
                            etherType: UInt16(buffer[12]) << 8 | UInt16(buffer[13]), payload: Array(buffer[14..<n])))
                }
                if !burst.isEmpty { frames(burst) }
            }
        }
        thread.name = "tap \(name)"
        thread.start()
        started = true
    }

    /// Writes one frame to the host: the Ethernet header from the stack and the payload in place (writev).
    public func write(source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        var header: (UInt64, UInt64) = (0, 0)
        let n = withUnsafeMutableBytes(of: &header) { h -> Int in
            for i in 0..<6 {
                h[i] = UInt8(truncatingIfNeeded: destination.rawValue >> UInt64(40 - 8 * i))
                h[6 + i] = UInt8(truncatingIfNeeded: source.rawValue >> UInt64(40 - 8 * i))
            }
            h[12] = UInt8(etherType >> 8)
            h[13] = UInt8(etherType & 0xff)
            // On the stack: this runs once per frame received.
            return withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2) { parts in
                parts[0] = iovec(iov_base: h.baseAddress, iov_len: 14)
                parts[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress), iov_len: payload.count)
                return writev(fd, parts.baseAddress, payload.isEmpty ? 1 : 2)
            }
        }
        if n < 0 && errno != EAGAIN { logger.debug("write to \(name) failed: errno \(errno)") }
    }

    /// Stops the reader (at once, through the stop pipe), then closes the device, which deletes it.
    public func close() {
        guard !closed else { return }
        closed = true
        _ = sixplane_tap_set_up(name, 0)
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
        if started { _ = exited.wait(timeout: .now() + 2) }
        Glibc.close(fd)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }
}
