/// Answers IPv6 neighbor solicitations for 6PLANE and RFC4193 addresses locally, as ZeroTier does.
///
/// Those addresses embed the owner's node address, and a member's MAC is computed from its address and the network
/// id, so the answer is known without asking anyone: a solicitation for any address in another member's 6PLANE /80
/// (or for its RFC4193 address) gets a neighbor advertisement naming that member's MAC, built here and handed back
/// to our own tap. No multicast leaves the host. A pure function: frame in, frame out.
public enum NDPEmulator {
    /// The advertisement answering an outgoing frame, or nil if the frame is not a solicitation this emulation
    /// answers (then it travels as ordinary multicast).
    ///
    /// - Parameters:
    ///   - destination, source, etherType, payload: the frame the host kernel sent into the tap.
    ///   - network, node: our network and our own address.
    ///   - staticIPs: our assigned addresses with their prefix lengths, in config order (the first match wins).
    public static func advertisement(
        destination: MAC, source: MAC, etherType: UInt16, payload: [UInt8], network: NetworkID, node: Address,
        staticIPs: [IPPrefix]
    ) -> EthernetFrame? {
        guard destination.isMulticast, !destination.isBroadcast, etherType == 0x86dd, payload.count >= 64,
            payload[6] == 0x3a, payload[40] == 0x87
        else { return nil }
        let target = IPv6Address(bytes: payload[48..<64])
        for prefix in staticIPs {
            guard case .v6(let mine) = prefix.address else { continue }
            // Our own address of the scheme (assigned with its prefix length) says the network uses it.
            let embedded: Address
            if prefix.length == RFC4193.assignedPrefixLength, RFC4193.owner(of: mine, in: network) != nil {
                guard let owner = RFC4193.owner(of: target, in: network) else { continue }
                embedded = owner
            } else if prefix.length == SixPlane.assignedPrefixLength, SixPlane.owner(of: mine, in: network) != nil {
                guard let owner = SixPlane.owner(of: target, in: network) else { continue }
                embedded = owner
            } else {
                continue
            }
            guard embedded.rawValue != 0, embedded != node else { return nil }
            let peerMAC = MAC(node: embedded, network: network)
            return EthernetFrame(
                destination: source, source: peerMAC, etherType: 0x86dd,
                payload: advertisementPacket(target: target.bytes, destination: mine.bytes, mac: peerMAC))
        }
        return nil
    }

    /// The 72-byte IPv6 neighbor advertisement: from the target, to our own address, flags S|O, with the target
    /// link-layer address option.
    static func advertisementPacket(target: [UInt8], destination: [UInt8], mac: MAC) -> [UInt8] {
        var p: [UInt8] = [0x60, 0, 0, 0, 0x00, 0x20, 0x3a, 0xff]
        p += target
        p += destination
        p += [0x88, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00]
        p += target
        p += [0x02, 0x01] + mac.bytes
        let checksum = icmpv6Checksum(source: target, destination: destination, icmp: Array(p[40...]))
        p[42] = UInt8(checksum >> 8)
        p[43] = UInt8(checksum & 0xff)
        return p
    }

    /// The ICMPv6 checksum: one's-complement sum over the pseudo-header and the message (checksum field zero).
    public static func icmpv6Checksum(source: [UInt8], destination: [UInt8], icmp: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        func add(_ bytes: [UInt8]) {
            var i = 0
            while i + 1 < bytes.count {
                sum &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
                i += 2
            }
            if i < bytes.count { sum &+= UInt32(bytes[i]) << 8 }
        }
        add(source)
        add(destination)
        let length = UInt32(icmp.count)
        add([UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), 0, 0, 0, 0x3a])
        var message = icmp
        message[2] = 0
        message[3] = 0
        add(message)
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
