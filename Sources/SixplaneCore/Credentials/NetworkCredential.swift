/// A credential a controller signs for one of its networks (membership, ownership, tag, capability, revocation).
public protocol NetworkCredential: Equatable, Sendable {
    var network: NetworkID { get }
    /// Whether `controller` (the network's controller) signed it.
    func verify(controller: Identity) -> Bool
}

extension CertificateOfMembership: NetworkCredential {}
extension CertificateOfOwnership: NetworkCredential {}
extension Tag: NetworkCredential {}
extension Capability: NetworkCredential {}
extension Revocation: NetworkCredential {}
