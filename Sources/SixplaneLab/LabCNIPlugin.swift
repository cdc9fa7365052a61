import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON

/// The CNI plugin driven as a runtime drives it: a process per call, in the host's namespace, with only the CNI
/// variables (and a bare PATH) set and the configuration on stdin. Used by the conformance test and the benchmark.
public struct LabCNIPlugin: Sendable {
    public let host: LabHost
    public let config: [String: JSON]

    public init(host: LabHost, network: NetworkID, name: String = "pods", extra: [String: JSON] = [:]) {
        self.host = host
        var c: [String: JSON] = [
            "cniVersion": "1.0.0", "name": .string(name), "type": "sixplane", "network": .string(network.description),
            "home": .string(host.home), "dataDir": .string(host.home + "/cni"),
        ]
        for (k, v) in extra { c[k] = v }
        config = c
    }

    public struct Reply: Sendable {
        public var code: Int32
        public var json: JSON?
        public var text: String
    }

    public func run(
        _ command: String, container: String = "", netns: String = "", ifname: String = "eth0", config extra: [String: JSON] = [:],
        stdin: String? = nil
    ) -> Reply {
        var c = config
        for (k, v) in extra { c[k] = v }
        let env = [
            "CNI_COMMAND=\(command)", "CNI_CONTAINERID=\(container)", "CNI_NETNS=\(netns)", "CNI_IFNAME=\(ifname)", "CNI_PATH=/opt/cni/bin",
            "PATH=/usr/bin:/bin",
        ]
        let r = Spawn.run(["ip", "netns", "exec", host.namespace, "env", "-i"] + env + [host.lab.sixplane], input: stdin ?? JSON.object(c).text)
        return Reply(code: r.status, json: JSON(parsing: r.output), text: r.output)
    }

    public func add(_ container: String, netns: String) -> Reply { run("ADD", container: container, netns: netns) }
    public func del(_ container: String, netns: String) -> Reply { run("DEL", container: container, netns: netns) }
}
