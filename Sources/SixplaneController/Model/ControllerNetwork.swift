import SixplaneCore
import SixplaneJSON

/// A network as the controller stores it: ZeroTier 1.14.1's network JSON, field for field.
public struct ControllerNetwork: Equatable, Sendable {
    public struct Route: Equatable, Sendable {
        public var target: IPPrefix
        public var via: IPAddress?
        public init(target: IPPrefix, via: IPAddress? = nil) {
            self.target = target
            self.via = via
        }
    }

    public struct Pool: Equatable, Sendable {
        public var start: IPAddress
        public var end: IPAddress
        public init(start: IPAddress, end: IPAddress) {
            self.start = start
            self.end = end
        }

        var isV6: Bool { if case .v6 = start { true } else { false } }
    }

    public var id: NetworkID
    public var name = ""
    public var isPrivate = true
    public var enableBroadcast = true
    public var multicastLimit: Int64 = 32
    public var mtu: Int64 = 2800
    public var remoteTraceTarget: Address?
    public var remoteTraceLevel: Int64 = 0
    public var v4AssignZT = false
    public var v6AssignZT = false
    public var v6Assign6plane = false
    public var v6AssignRFC4193 = false
    public var routes: [Route] = []
    public var pools: [Pool] = []
    /// Rule objects as posted (normalized), compiled to the wire form when configs are built.
    public var rules: [JSON] = [["not": false, "or": false, "type": "ACTION_ACCEPT"]]
    public var rulesSource = ""
    /// `[null]` when none, else `{token: expiry}`.
    public var authTokens: JSON = [nil]
    public var capabilities: [JSON] = []
    public var tags: [JSON] = []
    /// `[]` when unset, else `{"domain", "servers"}`.
    public var dns: JSON = []
    public var ssoEnabled = false
    public var clientId = ""
    public var authorizationEndpoint = ""
    public var creationTime: Int64 = 0
    public var revision: Int64 = 0
    /// Read if present in imported records; not settable through the API (as in ZeroTier).
    public var certificateTimeoutWindowSize: Int64?

    public init(id: NetworkID, creationTime: Int64) {
        self.id = id
        self.creationTime = creationTime
    }

    /// The credential window: 30 min unless the record says otherwise, clamped to 5 min…2 h.
    public var credentialTimeMaxDelta: Int64 {
        guard let w = certificateTimeoutWindowSize else { return 1_800_000 }
        return min(7_200_000, max(300_000, w))
    }

    // MARK: JSON

    public var json: JSON {
        var o: [String: JSON] = [
            "id": .string(id.description), "nwid": .string(id.description), "objtype": "network",
            "name": .string(name), "private": .bool(isPrivate), "enableBroadcast": .bool(enableBroadcast),
            "multicastLimit": .int(multicastLimit), "mtu": .int(mtu),
            "remoteTraceTarget": remoteTraceTarget.map { .string($0.description) } ?? .null,
            "remoteTraceLevel": .int(remoteTraceLevel),
            "v4AssignMode": ["zt": .bool(v4AssignZT)],
            "v6AssignMode": ["zt": .bool(v6AssignZT), "6plane": .bool(v6Assign6plane), "rfc4193": .bool(v6AssignRFC4193)],
            "routes": .array(routes.map { ["target": .string($0.target.network.description), "via": $0.via.map { .string($0.description) } ?? .null] }),
            "ipAssignmentPools": .array(pools.map { ["ipRangeStart": .string($0.start.description), "ipRangeEnd": .string($0.end.description)] }),
            "rules": .array(rules), "rulesSource": .string(rulesSource), "authTokens": authTokens,
            "capabilities": .array(capabilities), "tags": .array(tags), "dns": dns,
            "ssoEnabled": .bool(ssoEnabled), "clientId": .string(clientId),
            "authorizationEndpoint": .string(authorizationEndpoint),
            "creationTime": .int(creationTime), "revision": .int(revision),
        ]
        if let certificateTimeoutWindowSize { o["certificateTimeoutWindowSize"] = .int(certificateTimeoutWindowSize) }
        return .object(o)
    }

    /// Applies the fields of a network POST (unknown ones ignored; a bad value is an error naming its field).
    public mutating func apply(_ body: [String: JSON]) throws(ControllerError) {
        if let v = body["name"] {
            guard let s = v.stringValue else { throw Self.bad("name", "a string") }
            name = String(s.prefix(127))
        }
        if let v = body["private"] { isPrivate = try Self.bool(v, "private") }
        if let v = body["enableBroadcast"] { enableBroadcast = try Self.bool(v, "enableBroadcast") }
        if let v = body["multicastLimit"] {
            guard let n = v.intValue, n >= 0 else { throw Self.bad("multicastLimit", "a number ≥ 0") }
            multicastLimit = n
        }
        if let v = body["mtu"] {
            guard let n = v.intValue else { throw Self.bad("mtu", "a number") }
            mtu = min(10000, max(1280, n))
        }
        if let v = body["remoteTraceTarget"] { remoteTraceTarget = try Self.traceTarget(v) }
        if let v = body["remoteTraceLevel"] {
            guard let n = v.intValue else { throw Self.bad("remoteTraceLevel", "a number") }
            remoteTraceLevel = n
        }
        if let v = body["v4AssignMode"] {
            if let o = v.objectValue {
                v4AssignZT = try o["zt"].map { (x) throws(ControllerError) in try Self.bool(x, "v4AssignMode.zt") } ?? false
            } else if let s = v.stringValue {
                v4AssignZT = s == "zt"
            } else {
                throw Self.bad("v4AssignMode", "an object {\"zt\": bool}")
            }
        }
        if let v = body["v6AssignMode"] {
            // The posted object replaces the stored one; absent keys read as false.
            if let o = v.objectValue {
                v6AssignZT = try o["zt"].map { (x) throws(ControllerError) in try Self.bool(x, "v6AssignMode.zt") } ?? false
                v6Assign6plane = try o["6plane"].map { (x) throws(ControllerError) in try Self.bool(x, "v6AssignMode.6plane") } ?? false
                v6AssignRFC4193 = try o["rfc4193"].map { (x) throws(ControllerError) in try Self.bool(x, "v6AssignMode.rfc4193") } ?? false
            } else if let s = v.stringValue {
                let modes = Set(s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                v6AssignZT = modes.contains("zt")
                v6Assign6plane = modes.contains("6plane")
                v6AssignRFC4193 = modes.contains("rfc4193")
            } else {
                throw Self.bad("v6AssignMode", "an object {\"zt\", \"6plane\", \"rfc4193\"}")
            }
        }
        if let v = body["routes"] {
            guard let a = v.arrayValue else { throw Self.bad("routes", "an array") }
            var out: [Route] = []
            for (i, r) in a.enumerated() {
                guard let target = r["target"]?.stringValue else { throw Self.bad("routes[\(i)].target", "a CIDR string") }
                guard let prefix = try? IPPrefix(parsing: target) else { throw Self.bad("routes[\(i)].target", "a CIDR like 10.0.0.0/24") }
                var via: IPAddress?
                if let vv = r["via"], vv != .null {
                    guard let s = vv.stringValue, let ip = try? IPAddress(parsing: s) else {
                        throw Self.bad("routes[\(i)].via", "an IP address or null")
                    }
                    via = ip
                }
                out.append(Route(target: prefix.network, via: via))
            }
            routes = out
        }
        if let v = body["ipAssignmentPools"] {
            guard let a = v.arrayValue else { throw Self.bad("ipAssignmentPools", "an array") }
            var out: [Pool] = []
            for (i, p) in a.enumerated() {
                guard let s = p["ipRangeStart"]?.stringValue, let start = try? IPAddress(parsing: s) else {
                    throw Self.bad("ipAssignmentPools[\(i)].ipRangeStart", "an IP address")
                }
                guard let e = p["ipRangeEnd"]?.stringValue, let end = try? IPAddress(parsing: e) else {
                    throw Self.bad("ipAssignmentPools[\(i)].ipRangeEnd", "an IP address")
                }
                guard start.bitWidth == end.bitWidth, start <= end else {
                    throw Self.bad("ipAssignmentPools[\(i)]", "a start and end of one family, start ≤ end")
                }
                out.append(Pool(start: start, end: end))
            }
            pools = out
        }
        if let v = body["rules"] {
            guard let a = v.arrayValue else { throw Self.bad("rules", "an array of rule objects") }
            var out: [JSON] = []
            for (i, r) in a.enumerated() {
                guard (try? RuleJSON.rule(from: r)) != nil else {
                    throw Self.bad("rules[\(i)]", "a rule object like {\"type\": \"ACTION_ACCEPT\"}")
                }
                out.append(RuleJSON.normalized(r))
            }
            rules = out
        }
        if let v = body["authTokens"] {
            switch v {
            case .null, .array: authTokens = [nil]
            case .object: authTokens = v
            default: throw Self.bad("authTokens", "an object {token: expiry}")
            }
        }
        if let v = body["capabilities"] {
            guard let a = v.arrayValue, a.allSatisfy({ $0["id"]?.intValue != nil }) else {
                throw Self.bad("capabilities", "an array of {\"id\", \"default\", \"rules\"}")
            }
            capabilities = a
        }
        if let v = body["tags"] {
            guard let a = v.arrayValue, a.allSatisfy({ $0["id"]?.intValue != nil }) else {
                throw Self.bad("tags", "an array of {\"id\", \"default\"}")
            }
            tags = a
        }
        if let v = body["dns"] {
            switch v {
            case .object(let o):
                guard o["domain"]?.stringValue != nil || o["domain"] == nil,
                    (o["servers"]?.arrayValue ?? []).allSatisfy({ $0.stringValue.flatMap { try? IPAddress(parsing: $0) } != nil })
                else { throw Self.bad("dns", "{\"domain\": string, \"servers\": [IP addresses]}") }
                dns = v
            case .array, .null: dns = []
            default: throw Self.bad("dns", "an object")
            }
        }
        if let v = body["ssoEnabled"] { ssoEnabled = try Self.bool(v, "ssoEnabled") }
        if let v = body["clientId"] { clientId = v.stringValue ?? clientId }
        if let v = body["authorizationEndpoint"] { authorizationEndpoint = v.stringValue ?? authorizationEndpoint }
    }

    /// Reads a stored record (or an imported ZeroTier one).
    public init(json: JSON) throws(ControllerError) {
        guard let o = json.objectValue, let idText = o["id"]?.stringValue ?? o["nwid"]?.stringValue,
            let id = try? NetworkID(hex: idText)
        else { throw ControllerError(.badRequest, "network record without a valid id", field: "id") }
        self.init(id: id, creationTime: o["creationTime"]?.intValue ?? 0)
        try apply(o)
        // A record's rules source stays (imported from a ZeroTier controller.d); the API does not set it, as 1.14.1's
        // does not (ztnet sends "#").
        if let s = o["rulesSource"]?.stringValue { rulesSource = s }
        revision = o["revision"]?.intValue ?? 0
        certificateTimeoutWindowSize = o["certificateTimeoutWindowSize"]?.intValue
    }

    /// A boolean field: true/false, or a number or "true"/"false"/"1"/"0" as ZeroTier's tools sometimes send;
    /// other strings are refused rather than read as false the way ZeroTier does.
    static func bool(_ v: JSON, _ field: String) throws(ControllerError) -> Bool {
        if case .string(let s) = v {
            switch s.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw bad(field, "a boolean")
            }
        }
        guard let b = v.boolValue else { throw bad(field, "a boolean") }
        return b
    }

    /// `remoteTraceTarget` of a network or member record: an address, or null for none.
    static func traceTarget(_ v: JSON) throws(ControllerError) -> Address? {
        if case .null = v { return nil }
        guard let s = v.stringValue, let a = try? Address(hex: s) else { throw bad("remoteTraceTarget", "a 10-digit address or null") }
        return a
    }

    static func bad(_ field: String, _ expected: String) -> ControllerError {
        ControllerError(.badRequest, "\(field) must be \(expected)", field: field)
    }
}
