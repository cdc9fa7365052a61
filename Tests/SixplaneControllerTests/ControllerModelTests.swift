import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

@Suite struct ControllerModelTests {
    /// Member equality is field by field (for speed); it must agree with the records' JSON for every field.
    @Test func memberEqualityMatchesTheRecord() throws {
        let base = ControllerMember(network: ControllerFixtures.networkID(1), address: ControllerFixtures.address(1), creationTime: 5)
        let changes: [(inout ControllerMember) -> Void] = [
            { $0.identity = "x" }, { $0.name = "n" }, { $0.authorized = true }, { $0.activeBridge = true },
            { $0.noAutoAssignIps = true }, { $0.ssoExempt = true }, { $0.ipAssignments = [.v4(IPv4Address(10, 0, 0, 1))] },
            { $0.tags = [(1, 2)] }, { $0.capabilities = [3] }, { $0.creationTime = 6 }, { $0.lastAuthorizedTime = 1 },
            { $0.lastDeauthorizedTime = 1 }, { $0.lastAuthorizedCredentialType = "api" }, { $0.lastAuthorizedCredential = "t" },
            { $0.authenticationExpiryTime = 1 }, { $0.authenticationURL = "u" }, { $0.vMajor = 1 }, { $0.vMinor = 1 },
            { $0.vRev = 1 }, { $0.vProto = 1 }, { $0.remoteTraceTarget = ControllerFixtures.address(2) },
            { $0.remoteTraceLevel = 1 }, { $0.revision = 9 }, { $0.ipAssignmentError = "e" },
            { $0.address = ControllerFixtures.address(3) }, { $0.network = ControllerFixtures.networkID(2) },
        ]
        // Every stored field of the JSON record is covered by one change.
        let keys = Set(base.json.objectValue!.keys).union(["name", "authenticationURL", "ipAssignmentError"])
        var changed: Set<String> = []
        for change in changes {
            var m = base
            change(&m)
            #expect(m != base)
            #expect(m.json != base.json)
            for (k, v) in m.json.objectValue! where base.json[k] != v { changed.insert(k) }
        }
        #expect(keys.subtracting(changed).subtracting(["id", "objtype"]) == [], "fields no change covers")
        // And equal records are equal: every changed member equals itself read back from its JSON.
        for change in changes {
            var m = base
            change(&m)
            #expect(try ControllerMember(json: m.json) == m, "\(m.json.text)")
        }
    }
}
