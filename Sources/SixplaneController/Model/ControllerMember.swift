import SixplaneCore
import SixplaneJSON

/// A member of a network as the controller stores it: ZeroTier 1.14.1's member JSON, field for field.
public struct ControllerMember: Equatable, Sendable {
    public var network: NetworkID
    public var address: Address
    public var identity: String?
    public var name = ""
    public var authorized = false
    public var activeBridge = false
    public var noAutoAssignIps = false
    public var ssoExempt = false
    /// Assigned addresses, without prefix lengths.
    public var ipAssignments: [IPAddress] = []
    /// `[id, value]` pairs.
    public var tags: [(UInt32, UInt32)] = []
    public var capabilities: [UInt32] = []
    public var creationTime: Int64 = 0
    public var lastAuthorizedTime: Int64 = 0
    public var lastDeauthorizedTime: Int64 = 0
    public var lastAuthorizedCredentialType: String?
    public var lastAuthorizedCredential: String?
    public var authenticationExpiryTime: Int64 = 0
    public var authenticationURL: String?
    public var vMajor: Int64 = -1
    public var vMinor: Int64 = -1
    public var vRev: Int64 = -1
    public var vProto: Int64 = -1
    public var remoteTraceTarget: Address?
    public var remoteTraceLevel: Int64 = 0
    public var revision: Int64 = 0
    /// Set when a pool the network assigns from had no free address for this member (beyond ZeroTier, which
    /// leaves the member silently without one). Read-only through the API.
    public var ipAssignmentError: String?

    public init(network: NetworkID, address: Address, creationTime: Int64) {
        self.network = network
        self.address = address
        self.creationTime = creationTime
    }

    /// Field by field (every config request compares a member before and after; building JSON for it is slow).
    public static func == (a: ControllerMember, b: ControllerMember) -> Bool {
        a.network == b.network && a.address == b.address && a.identity == b.identity && a.name == b.name
            && a.authorized == b.authorized && a.activeBridge == b.activeBridge && a.noAutoAssignIps == b.noAutoAssignIps
            && a.ssoExempt == b.ssoExempt && a.ipAssignments == b.ipAssignments
            && a.tags.elementsEqual(b.tags, by: { $0.0 == $1.0 && $0.1 == $1.1 }) && a.capabilities == b.capabilities
            && a.creationTime == b.creationTime && a.lastAuthorizedTime == b.lastAuthorizedTime
            && a.lastDeauthorizedTime == b.lastDeauthorizedTime
            && a.lastAuthorizedCredentialType == b.lastAuthorizedCredentialType
            && a.lastAuthorizedCredential == b.lastAuthorizedCredential
            && a.authenticationExpiryTime == b.authenticationExpiryTime && a.authenticationURL == b.authenticationURL
            && a.vMajor == b.vMajor && a.vMinor == b.vMinor && a.vRev == b.vRev && a.vProto == b.vProto
            && a.remoteTraceTarget == b.remoteTraceTarget && a.remoteTraceLevel == b.remoteTraceLevel
            && a.revision == b.revision && a.ipAssignmentError == b.ipAssignmentError
    }

    public var json: JSON {
        var o: [String: JSON] = [
            "id": .string(address.description), "address": .string(address.description),
            "nwid": .string(network.description), "objtype": "member",
            "identity": identity.map { .string($0) } ?? .null,
            "authorized": .bool(authorized), "activeBridge": .bool(activeBridge),
            "noAutoAssignIps": .bool(noAutoAssignIps), "ssoExempt": .bool(ssoExempt),
            "ipAssignments": .array(ipAssignments.map { .string($0.description) }),
            "tags": .array(tags.map { [.int(Int64($0.0)), .int(Int64($0.1))] }),
            "capabilities": .array(capabilities.map { .int(Int64($0)) }),
            "creationTime": .int(creationTime), "lastAuthorizedTime": .int(lastAuthorizedTime),
            "lastDeauthorizedTime": .int(lastDeauthorizedTime),
            "lastAuthorizedCredentialType": lastAuthorizedCredentialType.map { .string($0) } ?? .null,
            "lastAuthorizedCredential": lastAuthorizedCredential.map { .string($0) } ?? .null,
            "authenticationExpiryTime": .int(authenticationExpiryTime),
            "vMajor": .int(vMajor), "vMinor": .int(vMinor), "vRev": .int(vRev), "vProto": .int(vProto),
            "remoteTraceTarget": remoteTraceTarget.map { .string($0.description) } ?? .null,
            "remoteTraceLevel": .int(remoteTraceLevel), "revision": .int(revision),
        ]
        if !name.isEmpty { o["name"] = .string(name) }
        if let authenticationURL { o["authenticationURL"] = .string(authenticationURL) }
        if let ipAssignmentError { o["ipAssignmentError"] = .string(ipAssignmentError) }
        return .object(o)
    }

    /// Applies the fields of a member POST; `now` stamps authorization changes.
    public mutating func apply(_ body: [String: JSON], now: Int64) throws(ControllerError) {
        if let v = body["authorized"] {
            let b = try ControllerNetwork.bool(v, "authorized")
            if b != authorized {
                authorized = b
                if b {
                    lastAuthorizedTime = now
                    lastAuthorizedCredentialType = "api"
                    lastAuthorizedCredential = nil
                } else {
                    lastDeauthorizedTime = now
                }
            }
        }
        if let v = body["activeBridge"] { activeBridge = try ControllerNetwork.bool(v, "activeBridge") }
        if let v = body["noAutoAssignIps"] { noAutoAssignIps = try ControllerNetwork.bool(v, "noAutoAssignIps") }
        if let v = body["ssoExempt"] { ssoExempt = try ControllerNetwork.bool(v, "ssoExempt") }
        if let v = body["name"] {
            guard let s = v.stringValue else { throw ControllerNetwork.bad("name", "a string") }
            name = s
        }
        if let v = body["authenticationExpiryTime"] {
            guard let n = v.intValue else { throw ControllerNetwork.bad("authenticationExpiryTime", "a number") }
            authenticationExpiryTime = n
        }
        if let v = body["authenticationURL"] { authenticationURL = v.stringValue }
        if let v = body["remoteTraceTarget"] { remoteTraceTarget = try ControllerNetwork.traceTarget(v) }
        if let v = body["remoteTraceLevel"] {
            guard let n = v.intValue else { throw ControllerNetwork.bad("remoteTraceLevel", "a number") }
            remoteTraceLevel = n
        }
        if let v = body["ipAssignments"] {
            guard let a = v.arrayValue else { throw ControllerNetwork.bad("ipAssignments", "an array of IP addresses") }
            var out: [IPAddress] = []
            for (i, e) in a.enumerated() {
                // ZeroTier stores them without the prefix length.
                guard let s = e.stringValue, let p = try? IPPrefix(parsing: s) else {
                    throw ControllerNetwork.bad("ipAssignments[\(i)]", "an IP address")
                }
                if !out.contains(p.address) { out.append(p.address) }
            }
            ipAssignments = out
        }
        if let v = body["tags"] {
            guard let a = v.arrayValue else { throw ControllerNetwork.bad("tags", "an array of [id, value] pairs") }
            var out: [(UInt32, UInt32)] = []
            for (i, e) in a.enumerated() {
                guard let pair = e.arrayValue, pair.count == 2, let id = pair[0].intValue, let value = pair[1].intValue else {
                    throw ControllerNetwork.bad("tags[\(i)]", "an [id, value] pair")
                }
                out.append((UInt32(truncatingIfNeeded: id), UInt32(truncatingIfNeeded: value)))
            }
            tags = out
        }
        if let v = body["capabilities"] {
            guard let a = v.arrayValue, a.allSatisfy({ $0.intValue != nil }) else {
                throw ControllerNetwork.bad("capabilities", "an array of capability ids")
            }
            capabilities = a.map { UInt32(truncatingIfNeeded: $0.intValue!) }
        }
    }

    /// Reads a stored record (or an imported ZeroTier one).
    public init(json: JSON) throws(ControllerError) {
        guard let o = json.objectValue,
            let addressText = o["address"]?.stringValue ?? o["id"]?.stringValue, let address = try? Address(hex: addressText),
            let nwidText = o["nwid"]?.stringValue, let network = try? NetworkID(hex: nwidText)
        else { throw ControllerError(.badRequest, "member record without a valid address and nwid", field: "address") }
        self.init(network: network, address: address, creationTime: o["creationTime"]?.intValue ?? 0)
        var body = o
        body["authorized"] = nil
        try apply(body, now: 0)
        authorized = o["authorized"]?.boolValue ?? false
        identity = o["identity"]?.stringValue
        lastAuthorizedTime = o["lastAuthorizedTime"]?.intValue ?? 0
        lastDeauthorizedTime = o["lastDeauthorizedTime"]?.intValue ?? 0
        lastAuthorizedCredentialType = o["lastAuthorizedCredentialType"]?.stringValue
        lastAuthorizedCredential = o["lastAuthorizedCredential"]?.stringValue
        vMajor = o["vMajor"]?.intValue ?? -1
        vMinor = o["vMinor"]?.intValue ?? -1
        vRev = o["vRev"]?.intValue ?? -1
        vProto = o["vProto"]?.intValue ?? -1
        revision = o["revision"]?.intValue ?? 0
        ipAssignmentError = o["ipAssignmentError"]?.stringValue
    }
}
