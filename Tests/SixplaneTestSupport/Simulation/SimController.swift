import SixplaneCore

/// A minimal network controller for simulations: it answers config requests with real signed configs built with
/// `NetworkConfig` (the full controller is SixplaneController's). Members are authorized unless listed as denied.
public final class SimController: NetworkControllerHook {
    public struct NetworkSettings: Sendable {
        public var name = "sim"
        public var sixPlane = true
        public var rfc4193 = true
        /// IPv4 pool: addresses are `prefix + n` for the n-th member seen; nil for none.
        public var ipv4Prefix: IPv4Address? = IPv4Address(10, 99, 0, 0)
        public var multicastLimit: UInt64 = 32
        public var isPublic = false
        public var rules: [Rule] = [.accept]

        public init() {}
    }

    public var networks: [NetworkID: NetworkSettings] = [:]
    public var denied: Set<Address> = []
    public private(set) var requests = 0
    private var ipv4: [Address: IPv4Address] = [:]
    private var revision: UInt64 = 1

    public init() {}

    public func handleConfigRequest(
        node: Node, network: NetworkID, from requester: Identity, metadata: ConfigDictionary, requestPacketID: UInt64,
        now: Int64
    ) {
        requests += 1
        guard let settings = networks[network] else {
            node.sendNetworkConfigError(network: network, to: requester.address, code: .objectNotFound, requestPacketID: requestPacketID, now: now)
            return
        }
        guard !denied.contains(requester.address) else {
            node.sendNetworkConfigError(network: network, to: requester.address, code: .networkAccessDenied, requestPacketID: requestPacketID, now: now)
            return
        }
        node.sendNetworkConfig(config(for: requester, network: network, settings: settings, signer: node.identity, now: now), to: requester.address, requestPacketID: requestPacketID, now: now)
    }

    public func config(for member: Identity, network: NetworkID, settings: NetworkSettings, signer: Identity, now: Int64) -> NetworkConfig {
        var c = NetworkConfig(network: network, timestamp: now, revision: revision, issuedTo: member.address)
        c.name = settings.name
        c.type = settings.isPublic ? 1 : 0
        c.multicastLimit = settings.multicastLimit
        c.flags = NetworkConfig.flagEnableBroadcast | (settings.sixPlane || settings.rfc4193 ? NetworkConfig.flagIPv6NDPEmulation : 0)
        c.rules = settings.rules
        if settings.sixPlane { c.staticIPs.append(SixPlane(network: network, node: member.address).assignedAddress) }
        if settings.rfc4193 { c.staticIPs.append(RFC4193(network: network, node: member.address).assignedAddress) }
        if let prefix = settings.ipv4Prefix {
            let ip = ipv4[member.address] ?? IPv4Address(rawValue: prefix.rawValue + UInt32(ipv4.count + 10))
            ipv4[member.address] = ip
            c.staticIPs.append(try! IPPrefix(.v4(ip), length: 16))
            c.routes.append(.init(target: try! IPPrefix(.v4(prefix), length: 16)))
        }
        c.com = try! CertificateOfMembership(timestamp: now, maxDelta: UInt64(c.credentialTimeMaxDelta), network: network, issuedTo: member).signed(by: signer)
        let things = c.staticIPs.map { ip -> CertificateOfOwnership.Thing in
            switch ip.address {
            case .v4(let a): .ipv4(a)
            case .v6(let a): .ipv6(a)
            }
        }
        if !things.isEmpty {
            c.ownerships = [try! CertificateOfOwnership(network: network, timestamp: now, id: 1, things: things, issuedTo: member.address).signed(by: signer)]
        }
        return c
    }
}
