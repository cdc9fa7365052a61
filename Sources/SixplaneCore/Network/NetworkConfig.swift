/// A network's configuration as the controller issues it: a signed dictionary (see `ConfigDictionary`) with the
/// keys below. Parsing applies a 1.14.1 node's acceptance rules; building emits the keys in the controller's order,
/// so that a parsed config encodes back to the same bytes.
public struct NetworkConfig: Equatable, Sendable {
    public static let flagEnableBroadcast: UInt64 = 0x02
    public static let flagIPv6NDPEmulation: UInt64 = 0x04
    public static let flagRulesResultUnsupportedMatch: UInt64 = 0x08
    public static let flagDisableCompression: UInt64 = 0x10

    public static let specialistActiveBridge: UInt64 = 0x02 << 40
    public static let specialistAnchor: UInt64 = 0x04 << 40
    public static let specialistMulticastReplicator: UInt64 = 0x08 << 40

    public static let defaultMTU: UInt64 = 2800
    public static let minMTU: UInt64 = 1280
    public static let maxMTU: UInt64 = 10000
    public static let defaultCredentialTimeMaxDelta: Int64 = 1_800_000

    public struct Route: Equatable, Sendable {
        public var target: IPPrefix
        public var via: IPAddress?
        public var flags: UInt16
        public var metric: UInt16

        public init(target: IPPrefix, via: IPAddress? = nil, flags: UInt16 = 0, metric: UInt16 = 0) {
            self.target = target
            self.via = via
            self.flags = flags
            self.metric = metric
        }
    }

    public struct DNS: Equatable, Sendable {
        public var domain: String
        public var servers: [IPAddress]

        public init(domain: String = "", servers: [IPAddress] = []) {
            self.domain = domain
            self.servers = servers
        }
    }

    public var version: UInt64 = 7
    public var network: NetworkID
    public var timestamp: Int64
    public var credentialTimeMaxDelta: Int64 = defaultCredentialTimeMaxDelta
    public var revision: UInt64
    public var issuedTo: Address
    public var remoteTraceTarget: Address = Address(truncating: 0)
    public var remoteTraceLevel: UInt64 = 0
    public var flags: UInt64 = 0
    public var multicastLimit: UInt64 = 0
    /// 0 private, 1 public.
    public var type: UInt64 = 0
    public var name: String = ""
    public var mtu: UInt64 = defaultMTU
    public var com: CertificateOfMembership?
    public var capabilities: [Capability] = []
    public var tags: [Tag] = []
    public var ownerships: [CertificateOfOwnership] = []
    /// Low 40 bits an address, bits 40+ its roles.
    public var specialists: [UInt64] = []
    public var routes: [Route] = []
    /// Assigned addresses with their prefix lengths (`…::1/40` for 6PLANE).
    public var staticIPs: [IPPrefix] = []
    public var rules: [Rule] = []
    public var dns: DNS? = DNS()
    public var ssoVersion: UInt64 = 0
    public var ssoEnabled: Bool = false
    public var authenticationURL: String?
    public var authenticationExpiryTime: UInt64?
    public var ssoIssuerURL: String?
    public var ssoCentralEndpointURL: String?
    public var ssoNonce: String?
    public var ssoState: String?
    public var ssoClientID: String?
    public var ssoProvider: String?

    public init(network: NetworkID, timestamp: Int64, revision: UInt64, issuedTo: Address) {
        self.network = network
        self.timestamp = timestamp
        self.revision = revision
        self.issuedTo = issuedTo
    }

    public var isPublic: Bool { type == 1 }
    public var broadcastEnabled: Bool { flags & Self.flagEnableBroadcast != 0 }
    public var ndpEmulation: Bool { flags & Self.flagIPv6NDPEmulation != 0 }

    public func specialists(withRole role: UInt64) -> [Address] {
        specialists.filter { $0 & role != 0 }.map { Address(truncating: $0) }
    }

    // MARK: Parsing

    public init(dictionary d: ConfigDictionary) throws(WireError) {
        guard let version = d.integer("v") else { throw WireError(.truncated, "network config: no version 'v'") }
        guard version >= 6 else {
            throw WireError(.unknownType, "network config: version \(version) is the legacy format (need 6 or later)")
        }
        guard let nwid = d.integer("nwid"), nwid != 0 else {
            throw WireError(.malformed, "network config: missing or zero network id 'nwid'")
        }
        guard let issuedTo = d.integer("id"), issuedTo != 0 else {
            throw WireError(.malformed, "network config: missing or zero issued-to address 'id'")
        }
        self.init(
            network: NetworkID(rawValue: nwid), timestamp: Self.signed(d, "ts") ?? 0, revision: d.integer("r") ?? 0,
            issuedTo: Address(truncating: issuedTo))
        self.version = version
        credentialTimeMaxDelta = Self.signed(d, "ctmd") ?? 0
        remoteTraceTarget = Address(truncating: d.integer("tt") ?? 0)
        remoteTraceLevel = d.integer("tl") ?? 0
        flags = d.integer("f") ?? 0
        multicastLimit = d.integer("ml") ?? 0
        type = d.integer("t") ?? 0
        name = d.string("n") ?? ""
        mtu = min(Self.maxMTU, max(Self.minMTU, d.integer("mtu") ?? Self.defaultMTU))
        if let c = d["C"] { com = try CertificateOfMembership(bytes: c) }
        if let caps = d["CAP"] {
            var r = ByteReader(caps, context: "config CAP")
            while !r.isAtEnd { capabilities.append(try Capability(reading: &r)) }
        }
        if let t = d["TAG"] {
            var r = ByteReader(t, context: "config TAG")
            while !r.isAtEnd { tags.append(try Tag(reading: &r)) }
        }
        if let coo = d["COO"] {
            var r = ByteReader(coo, context: "config COO")
            while !r.isAtEnd { ownerships.append(try CertificateOfOwnership(reading: &r)) }
        }
        if let s = d["S"] {
            guard s.count % 8 == 0 else { throw WireError(.malformed, "network config: specialists not 8-byte aligned") }
            var r = ByteReader(s, context: "config S")
            while !r.isAtEnd { specialists.append(try r.readUInt64("specialist")) }
        }
        if let rt = d["RT"] {
            var r = ByteReader(rt, context: "config RT")
            while !r.isAtEnd {
                let target = try InetAddress(reading: &r)
                let via = try InetAddress(reading: &r)
                let flags = try r.readUInt16("route flags")
                let metric = try r.readUInt16("route metric")
                guard let ip = target.ip else { throw WireError(.malformed, "network config: route without target") }
                routes.append(
                    Route(target: try IPPrefix(ip, length: Int(target.port)), via: via.ip, flags: flags, metric: metric))
            }
        }
        if let i = d["I"] {
            var r = ByteReader(i, context: "config I")
            while !r.isAtEnd {
                let a = try InetAddress(reading: &r)
                guard let ip = a.ip else { throw WireError(.malformed, "network config: static IP of type none") }
                staticIPs.append(try IPPrefix(ip, length: Int(a.port)))
            }
        }
        rules = try d["R"].map { (bytes) throws(WireError) in try Rule.decode(bytes) } ?? []
        if let dnsBytes = d["DNS"] {
            var r = ByteReader(dnsBytes, context: "config DNS")
            let domain = try r.readBytes(128, "DNS domain")
            var servers: [IPAddress] = []
            while !r.isAtEnd {
                if let ip = try InetAddress(reading: &r).ip { servers.append(ip) }
            }
            dns = DNS(domain: String(decoding: domain.prefix { $0 != 0 }, as: UTF8.self), servers: servers)
        } else {
            dns = nil
        }
        ssoVersion = d.integer("ssov") ?? 0
        ssoEnabled = d.bool("ssoe") ?? false
        authenticationURL = d.string("aurl")
        authenticationExpiryTime = d.integer("aexpt")
        ssoIssuerURL = d.string("iurl")
        ssoCentralEndpointURL = d.string("ssoce")
        ssoNonce = d.string("sson")
        ssoState = d.string("ssos")
        ssoClientID = d.string("ssocid")
        ssoProvider = d.string("ssop")
    }

    public init(bytes: [UInt8]) throws(WireError) {
        try self.init(dictionary: try ConfigDictionary(parsing: bytes))
    }

    private static func signed(_ d: ConfigDictionary, _ key: String) -> Int64? {
        guard let v = d[key], !v.isEmpty else { return nil }
        let negative = v.first == UInt8(ascii: "-")
        var n: UInt64 = 0
        for c in v.dropFirst(negative ? 1 : 0) {
            guard let digit = Hex.nibble(c) else { break }
            n = n &<< 4 | UInt64(digit)
        }
        let magnitude = Int64(bitPattern: n)
        return negative ? 0 &- magnitude : magnitude
    }

    // MARK: Building

    public var dictionary: ConfigDictionary {
        var d = ConfigDictionary()
        d.append("v", integer: version)
        d.append("nwid", integer: network.rawValue)
        d.append("ts", signed: timestamp)
        d.append("ctmd", signed: credentialTimeMaxDelta)
        d.append("r", integer: revision)
        d.append("id", address: issuedTo)
        d.append("tt", address: remoteTraceTarget)
        d.append("tl", integer: remoteTraceLevel)
        d.append("f", integer: flags)
        d.append("ml", integer: multicastLimit)
        d.append("t", integer: type)
        d.append("n", string: name)
        d.append("mtu", integer: mtu)
        if let com { d.append("C", com.serialized) }
        if !capabilities.isEmpty { d.append("CAP", concatenated(capabilities.map { c in { c.write(to: &$0) } })) }
        if !tags.isEmpty { d.append("TAG", concatenated(tags.map { t in { t.write(to: &$0) } })) }
        if !ownerships.isEmpty { d.append("COO", concatenated(ownerships.map { o in { o.write(to: &$0) } })) }
        if !specialists.isEmpty {
            var s: [UInt8] = []
            for v in specialists { s.appendUInt64(v) }
            d.append("S", s)
        }
        if !routes.isEmpty {
            var rt: [UInt8] = []
            for route in routes {
                InetAddress(route.target.address, port: UInt16(route.target.length)).write(to: &rt)
                (route.via.map { InetAddress($0, port: 0) } ?? .none).write(to: &rt)
                rt.appendUInt16(route.flags)
                rt.appendUInt16(route.metric)
            }
            d.append("RT", rt)
        }
        if !staticIPs.isEmpty {
            var i: [UInt8] = []
            for ip in staticIPs { InetAddress(ip.address, port: UInt16(ip.length)).write(to: &i) }
            d.append("I", i)
        }
        if !rules.isEmpty { d.append("R", Rule.encode(rules)) }
        if let dns {
            var b = Array(dns.domain.utf8.prefix(127))
            b += [UInt8](repeating: 0, count: 128 - b.count)
            for index in 0..<4 {
                (index < dns.servers.count ? InetAddress(dns.servers[index], port: 0) : .none).write(to: &b)
            }
            d.append("DNS", b)
        }
        d.append("ssov", integer: ssoVersion)
        d.append("ssoe", bool: ssoEnabled)
        if ssoVersion == 0, ssoEnabled {
            if let authenticationURL, !authenticationURL.isEmpty { d.append("aurl", string: authenticationURL) }
            d.append("aexpt", integer: authenticationExpiryTime ?? 0)
        } else if ssoVersion == 1 {
            d.append("iurl", string: ssoIssuerURL ?? "")
            d.append("ssoce", string: ssoCentralEndpointURL ?? "")
            d.append("sson", string: ssoNonce ?? "")
            d.append("ssos", string: ssoState ?? "")
            d.append("ssocid", string: ssoClientID ?? "")
            d.append("ssop", string: ssoProvider ?? "")
        }
        return d
    }

    private func concatenated(_ writers: [(inout [UInt8]) -> Void]) -> [UInt8] {
        var out: [UInt8] = []
        for w in writers { w(&out) }
        return out
    }
}
