import SixplaneCore

/// A controlled network's members as the zone needs them: each authorized member's label and addresses, indexed by
/// label and by address. Kept up to date from the controller's member changes (never read from the database while
/// answering); bounded at `limit` members, past which members are left out and counted.
public struct MemberDirectory: Sendable {
    public struct Member: Equatable, Sendable {
        public var address: Address
        public var label: String?
        public var addresses: [IPAddress]

        public init(address: Address, label: String?, addresses: [IPAddress]) {
            self.address = address
            self.label = label
            self.addresses = addresses
        }
    }

    public static let defaultLimit = 1_000_000
    public let limit: Int
    public private(set) var members: [Address: Member] = [:]
    private var byLabel: [String: [Address]] = [:]
    private var byIP: [IPAddress: Address] = [:]
    /// Members left out because the directory was full.
    public private(set) var leftOut = 0

    public init(limit: Int = MemberDirectory.defaultLimit) { self.limit = limit }

    public var count: Int { members.count }

    /// Puts a member in (nil: takes it out, as for a deauthorized or deleted one).
    public mutating func set(_ address: Address, _ member: Member?) {
        if let old = members.removeValue(forKey: address) {
            if let l = old.label {
                byLabel[l]?.removeAll { $0 == address }
                if byLabel[l]?.isEmpty == true { byLabel[l] = nil }
            }
            for ip in old.addresses where byIP[ip] == address { byIP[ip] = nil }
        }
        guard let member else { return }
        guard members.count < limit else {
            leftOut += 1
            return
        }
        members[address] = member
        if let l = member.label { byLabel[l, default: []].append(address) }
        for ip in member.addresses where byIP[ip] == nil { byIP[ip] = address }
    }

    /// Members by label (lower case) or by node id: a name two members share answers with both.
    public func lookup(_ label: String) -> [Member] {
        var found = (byLabel[label] ?? []).compactMap { members[$0] }
        if label.utf8.count == 10, let a = try? Address(hex: label), let m = members[a], !found.contains(m) { found.append(m) }
        return found
    }

    public func owner(of ip: IPAddress) -> Member? { byIP[ip].flatMap { members[$0] } }
}
