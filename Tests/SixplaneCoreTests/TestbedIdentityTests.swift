import SixplaneCore
import SixplaneTestSupport
import Testing

/// The four real ZeroTier One 1.14.1 nodes of the capture testbed: their identity files and the addresses they used.
@Suite struct TestbedIdentityTests {
    static let nodes = ["root", "ctl", "a", "b"]
    static let addresses = ["root": "49471a9ee2", "ctl": "4073ceaa6b", "a": "ccd3c55330", "b": "763cb11903"]

    @Test(arguments: nodes)
    func identityFilesValidate(node: String) throws {
        let secret = try Fixtures.testbedIdentity(node)
        let publicText = try Fixtures.text("zt-1.14.1/identities/\(node).public")
        let public_ = try Identity(parsing: publicText)
        #expect(secret.address.description == Self.addresses[node])
        #expect(secret == public_, "\(node): secret and public files name the same identity")
        #expect(secret.description == publicText.trimmingCharacters(in: .whitespacesAndNewlines))
        try secret.validate()
        try public_.validate()
    }

    /// `derived-keys.txt` lists K, K0, K1 for every pair; K is checked here, K0/K1 with the AES suite.
    @Test func pairKeysMatchDerivedKeys() throws {
        let text = try Fixtures.text("zt-1.14.1/derived-keys.txt")
        var checked = 0
        var pair: (String, String)?
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if let open = t.firstIndex(of: "("), t.contains("<->") {
                let names = t.split(separator: " ").filter { $0.contains("(") }.map { String($0[..<$0.firstIndex(of: "(")!]) }
                _ = open
                pair = (names[0], names[1])
            } else if t.hasPrefix("K  = "), let (x, y) = pair {
                let expected = hex(String(t.dropFirst(5)))
                let a = try Fixtures.testbedIdentity(x), b = try Fixtures.testbedIdentity(y)
                #expect(try a.agree(with: b) == expected, "K(\(x), \(y))")
                #expect(try b.agree(with: a) == expected, "K(\(y), \(x))")
                checked += 1
            }
        }
        #expect(checked == 6)
    }
}
