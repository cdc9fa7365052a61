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
        // Checksums and TCP segmentation (IPv4 and IPv6) left to us: the host's TCP hands over 64 KiB at a time.
        if rc == 0 { rc = sixplane_tap_set_offload(fd, 0x01 | 0x02 | 0x04) }
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
            // A TSO super-segment is up to 64 KiB of IPv6 payload.
            var buffer = [UInt8](repeating: 0, count: TCPCoalescer.vnetHeaderLength + 14 + 65_536)
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
                    // A virtio-net header comes first. The kernel may leave a checksum to us (NEEDS_CSUM), completed
                    // here, or hand over a TCP super-segment (TSO), cut into MSS-sized frames here.
                    let v = TCPCoalescer.vnetHeaderLength
                    guard n >= v + 14 else { continue }
                    let destination = MAC(bytes: buffer[v..<v + 6]), source = MAC(bytes: buffer[v + 6..<v + 12])
                    let etherType = UInt16(buffer[v + 12]) << 8 | UInt16(buffer[v + 13])
                    switch buffer[1] & 0x7f {
                    case 0:
                        if buffer[0] & TCPCoalescer.needsChecksum != 0 { Self.completeChecksum(&buffer, frameStart: v, end: n) }
                        burst.append(EthernetFrame(destination: destination, source: source, etherType: etherType, payload: Array(buffer[v + 14..<n])))
                    case TCPCoalescer.gsoTCPv6 where etherType == 0x86dd, TCPCoalescer.gsoTCPv4 where etherType == 0x0800:
                        let mss = Int(buffer[4]) | Int(buffer[5]) << 8
                        let cut = buffer.withUnsafeBytes {
                            TCPSegmenter.cut(UnsafeRawBufferPointer(rebasing: $0[(v + 14)..<n]), mss: mss) { payload in
                                burst.append(EthernetFrame(destination: destination, source: source, etherType: etherType, payload: payload))
                            }
                        }
                        if !cut { Self.stopSegmentationOffload(fd: fd, name: name) }
                    default:
                        // A super-segment we cannot cut (a VLAN on the tap, IPv6 extension headers): it is lost, and
                        // from now on the kernel segments for us.
                        Self.stopSegmentationOffload(fd: fd, name: name)
                    }
                }
                if !burst.isEmpty { frames(burst) }
            }
        }
        thread.name = "tap \(name)"
        thread.start()
        started = true
    }

    private var coalescer = TCPCoalescer()
    /// Frames written, and how many of them were several TCP segments merged.
    public private(set) var framesWritten = 0, mergedWrites = 0

    /// Hands one frame to the host. A TCP segment (IPv4 or IPv6) is held to merge with the ones that follow (`TCPCoalescer`)
    /// until `flush`, which the caller owes at the end of the burst; anything else is written at once, after what is
    /// held.
    public func write(source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        let ip = etherType == 0x86dd || etherType == 0x0800
        if ip && coalescer.add(source: source, destination: destination, etherType: etherType, payload: payload) { return }
        if !coalescer.isEmpty {
            flush()
            if ip && coalescer.add(source: source, destination: destination, etherType: etherType, payload: payload) { return }
        }
        writeFrame(source: source, destination: destination, etherType: etherType, payload: payload)
    }

    /// Writes what the coalescer holds.
    func flush() {
        guard !coalescer.isEmpty else { return }
        if coalescer.segments > 1 { mergedWrites += 1 }
        let n = coalescer.frame().withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        coalescer.reset()
        framesWritten += 1
        if n < 0 && errno != EAGAIN { logger.debug("write to \(name) failed: errno \(errno)") }
    }

    /// One frame: a zero virtio-net header and the Ethernet header from the stack, the payload in place (writev).
    private func writeFrame(source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        let v = TCPCoalescer.vnetHeaderLength
        var header: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let n = withUnsafeMutableBytes(of: &header) { h -> Int in
            EthernetHeader.write(UnsafeMutableRawBufferPointer(rebasing: h[v...]), destination: destination, source: source, etherType: etherType)
            // On the stack: this runs once per frame received.
            return withUnsafeTemporaryAllocation(of: iovec.self, capacity: 2) { parts in
                parts[0] = iovec(iov_base: h.baseAddress, iov_len: v + 14)
                parts[1] = iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress), iov_len: payload.count)
                return writev(fd, parts.baseAddress, payload.isEmpty ? 1 : 2)
            }
        }
        framesWritten += 1
        if n < 0 && errno != EAGAIN { logger.debug("write to \(name) failed: errno \(errno)") }
    }

    /// Leaves TCP segmentation to the kernel again (checksums stay with us), after a super-segment we could not cut.
    static func stopSegmentationOffload(fd: Int32, name: String) {
        let rc = sixplane_tap_set_offload(fd, 0x01)
        Logger(label: "sixplane.tap").warning("\(name): a TSO frame that is not plain TCP over IPv4 or IPv6 was dropped; segmentation offload off (\(rc))")
    }

    /// Completes a checksum the kernel left partial: the one's-complement sum from csum_start to the end goes to
    /// csum_start + csum_offset (both little-endian in the virtio-net header, relative to the frame).
    static func completeChecksum(_ buffer: inout [UInt8], frameStart: Int, end: Int) {
        let start = frameStart + (Int(buffer[6]) | Int(buffer[7]) << 8)
        let field = start + (Int(buffer[8]) | Int(buffer[9]) << 8)
        guard start < end, field + 2 <= end else { return }
        var result = ~InternetChecksum.fold(buffer.withUnsafeBytes { InternetChecksum.add(UnsafeRawBufferPointer(rebasing: $0[start..<end])) })
        // A UDP checksum of 0 means "none" (and is invalid over IPv6): it is sent as 0xffff (RFC 768, RFC 8200).
        if result == 0 && field - start == 6 { result = 0xffff }
        buffer[field] = UInt8(result >> 8)
        buffer[field + 1] = UInt8(truncatingIfNeeded: result)
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
