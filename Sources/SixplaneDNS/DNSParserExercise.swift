import SixplaneCore

/// The codec and the responder on untrusted bytes, for the fuzz target and the corpus replay: a message read is
/// written and read back the same, cut to 512 bytes it fits (or has no records left to cut: questions alone past
/// 512), and whatever the bytes, a controller's and a host's zones give an outcome whose answer can be written.
public enum DNSParserExercise {
    static let responders: [DNSResponder] = {
        let nwid = NetworkID(rawValue: 0x8056_c2e2_1c00_0001), node = Address(truncating: 0x8056_c2e2_1c)
        let other = Address(truncating: 0x11_2233_4455)
        let domain = try! DNSName("lab.example")
        let prefixes = [SixPlane(network: nwid, node: node).assignedAddress, RFC4193(network: nwid, node: node).assignedAddress]
        var host = DNSZone(network: nwid, domain: domain, node: node, ownPrefixes: prefixes, servers: [.v6(SixPlane(network: nwid, node: other).address)])
        host.setContainers([("web", [.v6(SixPlane(network: nwid, node: node).address(interfaceID: 2))])])
        var controller = host
        var directory = MemberDirectory()
        directory.set(other, .init(address: other, label: "h1", addresses: [.v6(SixPlane(network: nwid, node: other).address)]))
        controller.members = directory
        return [host, controller].map { zone in
            var r = DNSResponder()
            r.zones[nwid] = zone
            return r
        }
    }()

    public static func run(_ bytes: [UInt8]) {
        for responder in responders {
            switch responder.respond(to: bytes) {
            case .answer(let m): precondition((try? DNSMessage(parsing: m.serialized(limit: DNSResponder.udpLimit))) != nil, "an answer that cannot be read")
            case .forward(let m, _): precondition(m.questions.count == 1, "a forward without its one question")
            case .drop: break
            }
        }
        guard let message = try? DNSMessage(parsing: bytes) else { return }
        let written = message.serialized()
        guard let again = try? DNSMessage(parsing: written) else { preconditionFailure("a message read could not be read back") }
        precondition(again == message, "a message did not survive a round trip")
        let cut = message.serialized(limit: 512)
        precondition(cut.count <= 512 || (try? DNSMessage(parsing: cut)).map { $0.answers.isEmpty && $0.authorities.isEmpty && $0.additionals.isEmpty } == true, "cut past 512")
    }
}
