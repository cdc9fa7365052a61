/// What the runtime asked, from the environment it set: the command and the attachment it is about.
public struct CNIInvocation: Equatable, Sendable {
    public enum Command: String, Sendable, CaseIterable {
        case add = "ADD", del = "DEL", check = "CHECK", version = "VERSION", gc = "GC", status = "STATUS"
    }

    public var command: Command
    /// ADD, DEL, CHECK: the container and the name of its interface.
    public var containerID: String
    public var ifname: String
    /// Path of the container's network namespace (may be empty for DEL).
    public var netns: String
    public var args: String

    /// Reads `CNI_COMMAND`, `CNI_CONTAINERID`, `CNI_NETNS`, `CNI_IFNAME`, `CNI_ARGS`, as the spec requires them.
    public init(environment env: [String: String]) throws(CNIError) {
        guard let raw = env["CNI_COMMAND"], !raw.isEmpty else {
            throw CNIError(.invalidEnvironment, "CNI_COMMAND is not set")
        }
        guard let command = Command(rawValue: raw) else {
            throw CNIError(.invalidEnvironment, "unknown CNI_COMMAND", details: "\(raw.prefix(64)): expected one of ADD, DEL, CHECK, VERSION, GC, STATUS")
        }
        self.command = command
        containerID = env["CNI_CONTAINERID"] ?? ""
        ifname = env["CNI_IFNAME"] ?? ""
        netns = env["CNI_NETNS"] ?? ""
        args = env["CNI_ARGS"] ?? ""
        guard [.add, .del, .check].contains(command) else { return }
        guard Self.isValidContainerID(containerID) else {
            throw CNIError(.invalidEnvironment, "invalid CNI_CONTAINERID", details: "\(containerID.prefix(64).debugDescription): it must start with a letter or digit, then letters, digits, _ . -")
        }
        guard Self.isValidInterfaceName(ifname) else {
            throw CNIError(.invalidEnvironment, "invalid CNI_IFNAME", details: "\(ifname.prefix(64).debugDescription): 1 to 15 characters, not . or .., no / : or spaces")
        }
        if command != .del {
            guard netns.hasPrefix("/"), netns.count < 4096 else {
                throw CNIError(.invalidEnvironment, "CNI_NETNS must be the path of the container's network namespace", details: netns.prefix(64).debugDescription)
            }
        }
    }

    /// The pod's name as the runtime gives it in `CNI_ARGS` (`K8S_POD_NAME`: kubelet, containerd, and podman, which
    /// passes the container's name), else the container id's first 12 characters, as `docker ps` shows them.
    public var podName: String {
        for pair in args.split(separator: ";") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == "K8S_POD_NAME", !kv[1].isEmpty { return String(kv[1].prefix(253)) }
        }
        return String(containerID.prefix(12))
    }

    static func isValidContainerID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.utf8.count <= 1024, isAlphanumeric(first) else { return false }
        return id.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "-" }
    }

    static func isValidInterfaceName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count < 16, name != ".", name != ".." else { return false }
        return name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7f && $0 != "/" && $0 != ":" }
    }

    private static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }
}
