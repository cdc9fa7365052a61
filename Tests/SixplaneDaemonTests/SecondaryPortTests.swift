import Foundation
import SixplaneCore
import SixplaneJSON
import SixplaneLab
import Testing

/// local.conf's `secondaryPort`: the root listens on a second port as well, the planet names only that one, and
/// every node reaches the root there. Replies leave from the socket the peer sent to: the members never learn a
/// path to the root's primary port (a NAT in front of them would drop answers from it).
extension NamespaceNetworkTests {
    @Test func aSecondaryPortAnswersFromItself() throws {
        let lab = try Self.makeLab(subnet: 85, members: ["a"], rootPort: 29993)
        defer { lab.teardown() }
        let root = lab.hosts["root"]!, a = lab.hosts["a"]!
        let status = try #require(JSON(parsing: root.api("GET", "/status").body)?["config"]?["settings"])
        #expect(status["secondaryPort"]?.intValue == 29993 && status["allowSecondaryPort"]?.boolValue == true)
        let listening = (status["listeningOn"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(listening.filter { $0.hasSuffix("/29993") }.count == 2 && listening.filter { $0.hasSuffix("/9993") }.count == 2, "\(listening)")
        #expect(root.run(["ss", "-uln"]).output.contains(":29993"))

        // a is online through the root at 29993 only.
        let rootAddress = try #require(root.address), aAddress = try #require(a.address)
        #expect(Self.eventually(10) {
            let paths = JSON(parsing: a.api("GET", "/peer/\(rootAddress)").body)?["paths"]?.arrayValue ?? []
            return !paths.isEmpty && paths.allSatisfy { $0["address"]?.stringValue == "\(root.underlayIPv4)/29993" }
        }, "\(a.api("GET", "/peer/\(rootAddress)").body)")
        let seen = JSON(parsing: root.api("GET", "/peer/\(aAddress)").body)?["paths"]?.arrayValue ?? []
        #expect(seen.contains { $0["localSocket"]?.intValue == 2 && $0["localPort"]?.intValue == 29993 }, "\(seen)")
        // Traffic keeps flowing there: a's keepalives are answered (its root path stays alive).
        let before = JSON(parsing: a.api("GET", "/peer/\(rootAddress)").body)?["paths"]?.arrayValue?.first?["lastReceive"]?.intValue ?? 0
        #expect(a.sixplane("info").output.hasSuffix("ONLINE\n"))
        #expect(Self.eventually(40) {
            let now = JSON(parsing: a.api("GET", "/peer/\(rootAddress)").body)?["paths"]?.arrayValue ?? []
            return (now.first?["lastReceive"]?.intValue ?? 0) > before && now.allSatisfy { $0["address"]?.stringValue?.hasSuffix("/29993") == true }
        })

        // allowSecondaryPort false: one port only.
        a.stop()
        a.writeLocalConf(extra: ["allowSecondaryPort": "false"])
        try a.start()
        let single = JSON(parsing: a.api("GET", "/status").body)?["config"]?["settings"]
        #expect(single?["secondaryPort"]?.intValue == 0 && single?["allowSecondaryPort"]?.boolValue == false)
        #expect(single?["listeningOn"]?.arrayValue?.count == 2)
    }
}
