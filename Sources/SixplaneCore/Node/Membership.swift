/// What we know of one peer's standing on one of our networks: the credentials it showed us.
struct Membership {
    var com: CertificateOfMembership?
    var tags: [UInt32: Tag] = [:]
    var capabilities: [UInt32: Capability] = [:]
    var ownership: [UInt32: CertificateOfOwnership] = [:]
    /// Credentials with a timestamp at or below this are revoked.
    var revokedBefore: Int64 = .min
    /// When we last asked this member for its credentials (it was revoked and we had traffic for it).
    var lastCredentialRequest: Int64?
    /// The last agreement check, valid while neither certificate changes: checking costs a SHA-384 and a
    /// dictionary, too much to do for every frame.
    var agreement: (ours: Int64, theirs: Int64, revokedBefore: Int64, result: Bool)?

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
