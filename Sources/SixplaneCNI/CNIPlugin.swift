import Foundation
import SixplaneCore
import SixplaneJSON

/// The plugin: one invocation by a runtime (environment and stdin in, a result or an error object out).
public enum CNIPlugin {
    /// The pods' part of a host's /80: interface ids 0x1_0000_0001 and up, clear of the host's own ::1 and of the
    /// MAC-derived addresses Docker gives its containers in the same /80 (0242:…).
    public static func address(_ plane: SixPlane, index: Int) -> IPv6Address {
        plane.address(interfaceID: 0x1_0000_0000 | UInt64(index))
    }

    public struct Outcome: Sendable {
        public var exitCode: Int32
        public var stdout: String
    }

    /// Runs the command the environment names; never throws: errors are printed as the spec's error object.
    public static func run(environment: [String: String], stdin: [UInt8]) -> Outcome {
        do {
            let invocation = try CNIInvocation(environment: environment)
            // VERSION needs nothing but (at most) cniVersion.
            let config = try CNIConfig(stdin: stdin, lenient: invocation.command == .version)
            return Outcome(exitCode: 0, stdout: try run(invocation, config))
        } catch {
            // In the version the runtime speaks, if the configuration says one we know.
            let asked = JSON(parsing: Data(stdin.prefix(CNIConfig.maxInput)))?["cniVersion"]?.stringValue
            return Outcome(exitCode: 1, stdout: error.json(cniVersion: asked.flatMap { CNIVersion.supported.contains($0) ? $0 : nil } ?? CNIVersion.newest) + "\n")
        }
    }

    static func run(_ invocation: CNIInvocation, _ config: CNIConfig) throws(CNIError) -> String {
        let book = PodAddressBook(dataDir: config.dataDir, network: config.name, poolSize: config.poolSize)
        let holder = PodAddressBook.Holder(containerID: invocation.containerID, ifname: invocation.ifname)
        switch invocation.command {
        case .version:
            let reply: JSON = .object([
                "cniVersion": .string(CNIVersion.supported.contains(config.cniVersion) ? config.cniVersion : CNIVersion.newest),
                "supportedVersions": .array(CNIVersion.supported.map { .string($0) }),
            ])
            return reply.text + "\n"
        case .add:
            let host = try HostReadiness.query(home: config.home, network: config.network)
            try turnOnForwarding()
            let index = try book.allocate(for: holder) { (invocation.podName, "\(Self.address(host.plane, index: $0))") }
            let address = address(host.plane, index: index)
            let link = PodLink(holder)
            do {
                try link.create(netns: invocation.netns, address: address, mtu: config.mtu ?? host.mtu)
            } catch {
                // Nothing half-made: the pair (if any) and the address go.
                link.remove()
                _ = try? book.release(holder)
                throw error
            }
            return CNIResult(link: link, netns: invocation.netns, address: address).json(cniVersion: config.cniVersion, after: config.prevResult).text + "\n"
        case .del:
            try book.release(holder)
            PodLink(holder).remove()
            return ""
        case .check:
            guard CNIVersion.atLeast(config.cniVersion, "0.4.0") else {
                throw CNIError(.incompatibleVersion, "CHECK needs CNI 0.4.0 or later", details: "the configuration says \(config.cniVersion)")
            }
            let previous = CNIResult.addresses(in: config.prevResult)
            guard !previous.isEmpty else { throw CNIError(.invalidConfig, "CHECK needs prevResult with the pod's address") }
            guard let index = try book.held().first(where: { $0.value == holder })?.key else {
                throw CNIError(.unknownContainer, "no address is held for \(holder)")
            }
            let host = try HostReadiness.query(home: config.home, network: config.network)
            let address = address(host.plane, index: index)
            guard previous.contains("\(address)/128") else {
                throw CNIError(.interfaceFailure, "prevResult does not have the address held", details: "\(previous) against \(address)/128")
            }
            try PodLink(holder).verify(netns: invocation.netns, address: address)
            guard HostReadiness.forwarding else {
                throw CNIError(.interfaceFailure, "IPv6 forwarding is off on this host", details: HostReadiness.forwardingPath)
            }
            return ""
        case .gc:
            for (_, gone) in try book.collect(keeping: Set(config.validAttachments)) { PodLink(gone).remove() }
            return ""
        case .status:
            do { _ = try HostReadiness.query(home: config.home, network: config.network) } catch {
                throw CNIError(.notAvailable, error.message, details: error.details)
            }
            return ""
        }
    }

    static func turnOnForwarding() throws(CNIError) {
        guard !HostReadiness.forwarding else { return }
        do { try "1\n".write(toFile: HostReadiness.forwardingPath, atomically: false, encoding: .utf8) } catch {
            throw CNIError(.ioFailure, "cannot turn on IPv6 forwarding", details: "\(HostReadiness.forwardingPath): \(error.localizedDescription)")
        }
    }
}

extension CNIPlugin {
    /// The process as a runtime starts it: environment and stdin in, stdout and the exit code out.
    public static func main() -> Int32 {
        var input: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while input.count <= CNIConfig.maxInput {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            input += chunk[0..<n]
        }
        let outcome = run(environment: ProcessInfo.processInfo.environment, stdin: input)
        FileHandle.standardOutput.write(Data(outcome.stdout.utf8))
        return outcome.exitCode
    }
}
