import SixplaneCore

/// 256 identities generated once (Tests/Fixtures/sim-identities.txt) so that simulations start instantly.
public enum SimIdentities {
    public static let all: [Identity] = {
        let text = (try? Fixtures.text("sim-identities.txt")) ?? ""
        return text.split(separator: "\n").compactMap { try? Identity(parsing: $0) }
    }()

    /// A private planet with `root` as its only root at `address`.
    public static func planet(root: Identity, address: IPv4Address, signer: Identity) -> World {
        try! World(
            kind: .planet, id: 0x5157, timestamp: 1, updatesMustBeSignedBy: signer.publicKey,
            roots: [.init(identity: root.publicOnly, endpoints: [.ipv4(address, port: 9993)])]
        ).signed(secretKey: signer.secretKey!)
    }
}
