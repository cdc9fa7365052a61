import SixplaneCore

/// How a host learns its member name: it asks the network's DNS server (the controller's node, which has every
/// member) for the PTR of its own address, and takes the name's first label when the answer lies in the domain.
extension DNSZone {
    /// The question to ask and where; nil when the network names no server or this node has no address on it.
    public func hostNameQuery(id: UInt16) -> (query: DNSMessage, server: IPAddress)? {
        let own: IPAddress? = hasSixPlane ? .v6(sixPlane.address) : ownAddresses.first
        guard let own, let server = servers.first else { return nil }
        var m = DNSResponder.question(DNSQuestion(name: ReverseName.name(of: own), type: DNSType.ptr))
        m.header.id = id
        return (m, server)
    }

    /// Takes the host's label from the server's answer to `hostNameQuery`; true if it changed. A name error means
    /// the member has no name (known by node id); any other failure leaves what was known.
    @discardableResult
    public mutating func learnHostName(from answer: DNSMessage) -> Bool {
        let learned: String?
        switch answer.header.rcode {
        case DNSMessage.RCode.nameError: learned = nil
        case DNSMessage.RCode.noError:
            let target = answer.answers.lazy.compactMap { r -> DNSName? in if case .ptr(let t) = r.data { t } else { nil } }.first
            guard let target, let labels = target.relative(to: domain), labels.count == 1 else { return false }
            learned = String(decoding: DNSName.fold(labels[0]), as: UTF8.self)
        default: return false
        }
        let next = learned == nodeLabel ? nil : learned
        guard next != hostLabel else { return false }
        hostLabel = next
        serial &+= 1
        return true
    }

    /// Gives the zone what the host runs that lies in its /80 (its containers and pods); true if anything changed.
    @discardableResult
    public mutating func setHosted(_ hosted: [HostedName]) -> Bool {
        guard hasSixPlane else { return setContainers([]) }
        let prefix = sixPlane.hostPrefix
        return setContainers(hosted.map { ($0.name, $0.addresses.filter { prefix.contains($0) && $0 != .v6(sixPlane.address) }) })
    }
}

/// A container or pod this host runs: its name and addresses, from the engine or the CNI plugin.
public struct HostedName: Hashable, Sendable {
    public var name: String
    public var addresses: [IPAddress]
    public init(name: String, addresses: [IPAddress]) {
        self.name = name
        self.addresses = addresses
    }
}
