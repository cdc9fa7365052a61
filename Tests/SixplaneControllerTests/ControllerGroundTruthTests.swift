import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

/// The controller rebuilds, from the real controller's own network and member records, the very configs that
/// controller signed in the capture: byte for byte (Ed25519 is deterministic, so even the signatures match).
@Suite struct ControllerGroundTruthTests {
    static func store(_ dir: TemporaryDirectory) throws -> SQLiteStore {
        let store = try SQLiteStore(path: dir.file("controller.db"))
        let network = try ControllerNetwork(json: try #require(JSON(parsing: try Fixtures.text("zt-1.14.1/session/network.json"))))
        _ = try store.updateNetwork(network.id, create: true, now: network.creationTime) { n in n = network }
        for name in ["a", "b"] {
            let member = try ControllerMember(json: try #require(JSON(parsing: try Fixtures.text("zt-1.14.1/session/ctl-member-\(name).json"))))
            try store.insertMembers([member])
        }
        return store
    }

    @Test(arguments: ["a", "b"])
    func rebuildsTheCapturedConfigByteForByte(member: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try Self.store(dir)
        let ctl = try Fixtures.testbedIdentity("ctl")
        let controller = Controller(identity: ctl, store: store)
        // ZeroTier answers every request afresh; so must we, to compare bytes.
        controller.reuseWindow = 0
        let requester = try Fixtures.testbedIdentity(member).publicOnly
        let captured = try CapturedConfigs.configs(for: member)
        #expect(!captured.isEmpty)
        for c in captured {
            let answer = controller.answer(network: Fixtures.testbedNetwork, requester: requester, metadata: CapturedConfigs.metadata, now: c.config.timestamp)
            guard case .config(let config) = answer else {
                Issue.record("no config: \(answer)")
                continue
            }
            let ours = config.dictionary.encoded
            if ours != c.dictionary {
                let theirs = try ConfigDictionary(parsing: c.dictionary)
                let mine = config.dictionary
                for key in theirs.keys where theirs[key] != mine[key] {
                    Issue.record("key \(key): ours \(Hex.encode(mine[key] ?? [])) theirs \(Hex.encode(theirs[key] ?? []))")
                }
            }
            #expect(ours == c.dictionary, "config for \(member) at \(c.config.timestamp)")
        }
    }
}
