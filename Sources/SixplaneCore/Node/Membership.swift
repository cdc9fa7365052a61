/// What we know of one peer's standing on one of our networks: the credentials it showed us.
struct Membership {
    var com: CertificateOfMembership?
    var tags: [UInt32: Tag] = [:]
    var capabilities: [UInt32: Capability] = [:]
    var ownership: [UInt32: CertificateOfOwnership] = [:]
    /// Credentials with a timestamp at or below this are revoked.
    var revokedBefore: Int64 = .min
    /// Last time it announced multicast interest to us as the network's controller/root, for LIKE acceptance.
    var lastConfigRequest: Int64 = 0

    /// Every address its certificates of ownership name.
    var ownedAddresses: [IPAddress] {
        ownership.values.flatMap { coo in
            coo.things.compactMap { thing -> IPAddress? in
                switch thing {
                case .ipv4(let a): .v4(a)
                case .ipv6(let a): .v6(a)
                default: nil
                }
            }
        }
    }
}
