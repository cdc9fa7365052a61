/// What we know of one peer's standing on one of our networks: the credentials it showed us.
struct Membership {
    var com: CertificateOfMembership?
    var tags: [UInt32: Tag] = [:]
    var capabilities: [UInt32: Capability] = [:]
    var ownership: [UInt32: CertificateOfOwnership] = [:]
    /// Credentials with a timestamp at or below this are revoked.
    var revokedBefore: Int64 = .min
    /// When we last asked this member for its credentials (ERROR NEED_MEMBERSHIP_CERTIFICATE), at most once a second.
    var lastCredentialRequest: Int64 = 0

    /// No credential and no revocation: only the credential-request timer.
    var holdsNothing: Bool {
        com == nil && tags.isEmpty && capabilities.isEmpty && ownership.isEmpty && revokedBefore == .min
    }

    /// Its certificate is at or below a revocation's threshold (or it has none since one).
    var isRevoked: Bool { revokedBefore != .min && (com?.timestamp ?? .min) <= revokedBefore }
    /// The last agreement check, valid while neither certificate changes: checking costs a SHA-384 and a
    /// dictionary, too much to do for every frame.
    var agreement: (ours: Int64, theirs: Int64, revokedBefore: Int64, result: Bool)?
}
