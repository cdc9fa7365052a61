import CSixplaneTap
import Foundation
import Logging
import SixplaneCore

/// One TAP device: the network's virtual Ethernet port on this host. A thread of its own reads exactly one frame
/// per call and hands it on; writes are one frame per call too (no coalescing: each is a frame to the kernel).
public final class TapDevice: @unchecked Sendable {
    public let name: String
    public let network: NetworkID
    let fd: Int32
    private let stopped = ManagedAtomicFlag()
    private var thread: Thread?
    private let logger = Logger(label: "sixplane.tap")

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates the device, sets its MAC and MTU and brings it up.
    public init(name: String, network: NetworkID, mac: MAC, mtu: Int) throws {
        let fd = sixplane_tap_open(name)
        guard fd >= 0 else { throw Failure(description: "cannot create tap \(name): \(String(cString: strerror(-fd)))") }
        self.fd = fd
        self.name = name
        self.network = network
        let bytes = mac.bytes
        var rc = bytes.withUnsafeBufferPointer { sixplane_tap_set_mac(name, $0.baseAddress) }
        if rc == 0 { rc = sixplane_tap_set_mtu(name, Int32(mtu)) }
        if rc == 0 { rc = sixplane_tap_set_up(name, 1) }
        guard rc == 0 else {
            Glibc.close(fd)
            throw Failure(description: "cannot configure tap \(name): \(String(cString: strerror(-rc)))")
        }
    }

    public func setMTU(_ mtu: Int) {
        let rc = sixplane_tap_set_mtu(name, Int32(mtu))
        if rc != 0 { logger.warning("cannot set MTU \(mtu) on \(name): \(String(cString: strerror(-rc)))") }
    }

    /// Starts the reader thread; `frame` is called on it for every frame read.
    public func start(_ frame: @escaping @Sendable (EthernetFrame) -> Void) {
        let fd = self.fd, stopped = self.stopped, name = self.name
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 16384)
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while !stopped.isSet {
                // A bounded wait, so that stopping never hangs on a blocked read.
                guard poll(&pfd, 1, 200) > 0 else { continue }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    if !stopped.isSet { Logger(label: "sixplane.tap").error("read from \(name) failed: errno \(errno)") }
                    return
                }
                guard n >= 14 else { continue }
                frame(
                    EthernetFrame(
                        destination: MAC(bytes: buffer[0..<6]), source: MAC(bytes: buffer[6..<12]),
                        etherType: UInt16(buffer[12]) << 8 | UInt16(buffer[13]), payload: Array(buffer[14..<n])))
            }
        }
        thread.name = "tap \(name)"
        thread.start()
        self.thread = thread
    }

    /// Writes one frame to the host.
    public func write(source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        var frame = [UInt8](repeating: 0, count: 14 + payload.count)
        frame.withUnsafeMutableBytes { out in
            for i in 0..<6 {
                out[i] = UInt8(truncatingIfNeeded: destination.rawValue >> UInt64(40 - 8 * i))
                out[6 + i] = UInt8(truncatingIfNeeded: source.rawValue >> UInt64(40 - 8 * i))
            }
            out[12] = UInt8(etherType >> 8)
            out[13] = UInt8(etherType & 0xff)
            if !payload.isEmpty { UnsafeMutableRawBufferPointer(rebasing: out[14...]).copyMemory(from: payload) }
        }
        let n = frame.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno != EAGAIN { logger.debug("write to \(name) failed: errno \(errno)") }
    }

    /// Stops the reader and removes the device (closing a non-persistent tap deletes it).
    public func close() {
        guard !stopped.isSet else { return }
        stopped.set()
        _ = sixplane_tap_set_up(name, 0)
        // Give the reader a poll period to notice, then release the device.
        usleep(250_000)
        Foundation.close(fd)
    }
}

/// A flag set once, read from any thread.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
