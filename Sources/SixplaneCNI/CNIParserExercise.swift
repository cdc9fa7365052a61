import SixplaneCore
import SixplaneJSON

/// The plugin's readers on untrusted input, for the fuzz target and the corpus replay: the runtime's environment
/// (the first five NUL-separated fields: command, container id, netns, interface name, args) and the configuration
/// (the rest), then the result built after a parsed `prevResult`. Each must accept or refuse with a typed error,
/// never crash or hang. Nothing here touches the system.
public enum CNIParserExercise {
    public static func run(_ bytes: [UInt8]) {
        var fields: [[UInt8]] = []
        var rest = bytes[...]
        while fields.count < 5, let nul = rest.firstIndex(of: 0) {
            fields.append(Array(rest[..<nul]))
            rest = rest[(nul + 1)...]
        }
        let keys = ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS"]
        var env: [String: String] = [:]
        for (key, value) in zip(keys, fields) { env[key] = String(decoding: value, as: UTF8.self) }
        if let invocation = try? CNIInvocation(environment: env), [.add, .del, .check].contains(invocation.command) {
            precondition(!invocation.containerID.isEmpty && invocation.ifname.utf8.count < 16, "an attachment the spec forbids was accepted")
        }
        let stdin = Array(rest)
        _ = try? CNIConfig(stdin: stdin, lenient: true)
        do {
            let config = try CNIConfig(stdin: stdin)
            precondition(CNIVersion.supported.contains(config.cniVersion) && config.network.description.count == 16)
            let link = PodLink(.init(containerID: "fuzz", ifname: "eth0"))
            let result = CNIResult(link: link, netns: "/x", address: IPv6Address(high: 0xfc00 << 48, low: 1))
            _ = result.json(cniVersion: config.cniVersion, after: config.prevResult).text
            _ = CNIResult.addresses(in: config.prevResult)
        } catch {
            _ = error.json(cniVersion: "1.0.0")
        }
    }
}
