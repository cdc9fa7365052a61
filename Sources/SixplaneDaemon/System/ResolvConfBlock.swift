import SixplaneCore

/// The part of a `resolv.conf` Sixplane owns when systemd-resolved does not run: the networks' servers in a marked
/// block at the top (the resolver asks them first, and glibc and musl move on to the next server on a REFUSED), and
/// their domains in a marked `search` line at the end (the last search line is the one that counts), listing the
/// file's own search domains after them. Taking the blocks out gives back the file as it was.
public enum ResolvConfBlock {
    static let begin = "# sixplane: added for networks with allowDNS=1; removed when they leave or sixplane stops"
    static let end = "# sixplane: end"
    /// glibc reads at most three name servers.
    static let serverLimit = 3

    public struct Entry: Equatable, Sendable {
        public var domain: String
        public var servers: [IPAddress]
        public init(domain: String, servers: [IPAddress]) {
            self.domain = domain
            self.servers = servers
        }
    }

    /// `text` with Sixplane's blocks for `entries` (none: the file without them).
    public static func apply(_ entries: [Entry], to text: String) -> String {
        let own = removing(from: text)
        guard !entries.isEmpty else { return own }
        let lines = Self.lines(own)
        let fileSearch = lines.last { $0.hasPrefix("search ") || $0.hasPrefix("domain ") }
            .map { $0.split(separator: " ").dropFirst().map(String.init) } ?? []
        // glibc reads three: ours take at most two when the file has servers of its own, so that one of them is
        // still asked for names outside the networks (which ours refuse).
        let fileHasServers = lines.contains { $0.hasPrefix("nameserver ") }
        var servers: [IPAddress] = []
        for s in entries.flatMap(\.servers) where !servers.contains(s) && servers.count < serverLimit - (fileHasServers ? 1 : 0) { servers.append(s) }
        var domains: [String] = []
        for d in entries.map(\.domain) + fileSearch where !d.isEmpty && !domains.contains(d) { domains.append(d) }
        var out = [begin] + servers.map { "nameserver \($0)" } + [end]
        out += lines.last == "" ? lines.dropLast() : lines[...]
        out += [begin, "search " + domains.joined(separator: " "), end]
        return out.joined(separator: "\n") + "\n"
    }

    /// `text` without Sixplane's blocks.
    public static func removing(from text: String) -> String {
        var out: [String] = []
        var inside = false
        for line in Self.lines(text) {
            if line == begin {
                inside = true
            } else if line == end {
                inside = false
            } else if !inside {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    /// Lines split at each newline byte: not at Characters, for which "\r\n" is one (a file with CRLF endings, or a
    /// line ending in a carriage return, would hide the newline from the split).
    static func lines(_ text: String) -> [String] {
        text.utf8.split(separator: 0x0a, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }
}
