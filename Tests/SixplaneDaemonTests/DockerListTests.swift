import Foundation
import SixplaneCore
import SixplaneDNS
import SixplaneDaemon
import SixplaneTestSupport
import Testing

/// What the daemon takes from a real Docker engine's answers (Tests/Fixtures/docker: Debian's docker.io 20.10) and
/// from the CNI plugin's files.
@Suite struct DockerListTests {
    static func fixture(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: Fixtures.url("docker/\(name)"))) }

    @Test func runningContainersWithTheirAddresses() throws {
        let named = try DockerWatcher.hosted(fromList: try Self.fixture("containers-json.json"))
        #expect(named.map(\.name).sorted() == ["db-1", "web"])
        let web = try #require(named.first { $0.name == "web" })
        #expect(web.addresses == [try IPAddress(parsing: "fc6e:46e1:ca37:270e:bad5:242:ac1f:fa02"), try IPAddress(parsing: "172.31.250.2")])
        // With ?all=1 the engine lists a created container too: it has no name in DNS until it runs.
        let all = try DockerWatcher.hosted(fromList: try Self.fixture("containers-json-all.json"))
        #expect(all.map(\.name).sorted() == ["db-1", "web"])
    }

    @Test func notAListIsAnError() {
        for bad in ["{}", "not json", #"{"message": "page not found"}"#] {
            #expect(throws: DockerEngine.Failure.self) { try DockerWatcher.hosted(fromList: Array(bad.utf8)) }
        }
        #expect((try? DockerWatcher.hosted(fromList: Array(#"[{"Names": []}, 3, {"Names": ["/x"], "State": "exited"}]"#.utf8))) == [])
    }

    @Test func podFiles() throws {
        #expect(PodNames.pod(fromFile: "c1\neth0\nweb\nfc00::1:0:1\n") == HostedName(name: "web", addresses: [try IPAddress(parsing: "fc00::1:0:1")]))
        #expect(PodNames.pod(fromFile: "c1\neth0\n") == nil, "written by a plugin older than names")
        #expect(PodNames.pod(fromFile: "c1\neth0\nweb\nnot an address\n") == nil)
    }
}
