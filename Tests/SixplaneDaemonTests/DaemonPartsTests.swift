import Foundation
import SixplaneCore
import SixplaneTestSupport
import Testing

@testable import SixplaneDaemon

@Suite struct DaemonPartsTests {
    @Test(arguments: [
        ("8056c2e21c000001", 0, "ztmjfmfyq5"),  // protocol-network.md §9.4's example
        ("8056c2e21c000001", 1, "ztmjfmfyq6"),
    ])
    func tapNamesFollowZeroTier(network: String, trial: UInt64, name: String) throws {
        #expect(TapName.name(for: try NetworkID(hex: network), trial: trial) == name)
    }

    @Test func aTakenTapNameMovesToTheNextTrial() throws {
        let id = try NetworkID(hex: "8056c2e21c000001")
        #expect(TapName.free(for: id) { $0 == "ztmjfmfyq5" } == "ztmjfmfyq6")
    }

    static func config(_ ips: [String], routes: [(String, String?)]) throws -> NetworkConfig {
        var c = NetworkConfig(network: try NetworkID(hex: "8056c2e21c000001"), timestamp: 1, revision: 1, issuedTo: try Address(hex: "1122334455"))
        c.staticIPs = try ips.map { try IPPrefix(parsing: $0) }
        c.routes = try routes.map { NetworkConfig.Route(target: try IPPrefix(parsing: $0.0), via: try $0.1.map { try IPAddress(parsing: $0) }) }
        return c
    }

    @Test func managedAddressesAndRoutesHonourTheLocalSettings() throws {
        let c = try Self.config(
            ["fc9c:56c2:e389:e92c:eee5::1/40", "fd80:56c2:e21c:0:199:9311:2233:4455/88", "10.147.17.5/24", "8.8.4.4/32"],
            routes: [("10.147.17.0/24", nil), ("192.168.50.0/24", "10.147.17.1"), ("0.0.0.0/0", "10.147.17.1"),
                     ("172.16.0.0/12", "10.147.17.5"), ("2001:db8::/32", nil), ("9.9.9.0/24", "10.147.17.1")])
        var s = LocalNetworkSettings()
        let plan = ManagedPlan(config: c, settings: s)
        #expect(plan.addresses.map(\.description) == ["fc9c:56c2:e389:e92c:eee5::1/40", "fd80:56c2:e21c:0:199:9311:2233:4455/88", "10.147.17.5/24"],
                "global 8.8.4.4 needs allowGlobal")
        // Connected prefix skipped, via one of our own IPs skipped, no IPv6 global, default needs allowDefault.
        #expect(plan.routes.map(\.description) == ["192.168.50.0/24 via 10.147.17.1"])

        s.allowGlobal = true
        s.allowDefault = true
        let all = ManagedPlan(config: c, settings: s)
        #expect(all.addresses.contains { $0.description == "8.8.4.4/32" })
        #expect(all.routes.map(\.description).contains("0.0.0.0/1 via 10.147.17.1") && all.routes.map(\.description).contains("128.0.0.0/1 via 10.147.17.1"))
        #expect(all.routes.map(\.description).contains("2001:db8::/32") && all.routes.map(\.description).contains("9.9.9.0/24 via 10.147.17.1"))

        s = LocalNetworkSettings(text: "allowManaged=10.147.0.0/16,fc00::/8\n")
        let listed = ManagedPlan(config: c, settings: s)
        #expect(listed.addresses.map(\.description) == ["fc9c:56c2:e389:e92c:eee5::1/40", "10.147.17.5/24"], "only what the whitelist covers")

        s = LocalNetworkSettings(text: "allowManaged=0\nallowGlobal=1\n")
        #expect(ManagedPlan(config: c, settings: s) == ManagedPlan())
    }

    @Test func localSettingsRoundTripAsZeroTierWritesThem() {
        var s = LocalNetworkSettings()
        #expect(s.text == "allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n")
        s.allowDNS = true
        s.allowManaged = false
        #expect(LocalNetworkSettings(text: s.text) == s)
        #expect(LocalNetworkSettings(text: "allowGlobal=true\nallowDefault=T\ngarbage\n=\n").allowGlobal)
    }

    @Test func localConfSettings() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try #"{"settings":{"primaryPort":9994,"allowSecondaryPort":false,"interfaceNames":{"8056c2e21c000001":"zt-lab"}}}"#
            .write(toFile: dir.file("local.conf"), atomically: true, encoding: .utf8)
        let conf = try LocalConf(home: Home(path: dir.path))
        #expect(conf.primaryPort == 9994 && !conf.allowSecondaryPort)
        #expect(conf.interfaceNames[try NetworkID(hex: "8056c2e21c000001")] == "zt-lab")
        #expect(conf.secondaryPort == nil && LocalConf().allowSecondaryPort, "on by default, as ZeroTier")
        #expect(try LocalConf(text: #"{"settings":{"secondaryPort":29993}}"#).secondaryPort == 29993)
        #expect(try LocalConf(text: #"{"settings":{"secondaryPort":0}}"#).secondaryPort == nil, "0: one derived from the address")
        #expect(LocalConf().identityValidationShare == 0.2)
        #expect(try LocalConf(text: #"{"settings":{"identityValidationShare":1}}"#).identityValidationShare == 1)
        #expect(try LocalConf(text: #"{"settings":{"identityValidationShare":0.5}}"#).identityValidationShare == 0.5)
        for bad in [
            #"{"settings":{"secondaryPort":70000}}"#, #"{"settings":{"secondaryPort":"x"}}"#, #"{"settings":{"primaryPort":-1}}"#,
            #"{"settings":{"identityValidationShare":0}}"#, #"{"settings":{"identityValidationShare":1.5}}"#,
            #"{"settings":{"identityValidationShare":"all"}}"#,
        ] {
            #expect(throws: DaemonError.self, "\(bad)") { try LocalConf(text: bad) }
        }
        try "{not json".write(toFile: dir.file("local.conf"), atomically: true, encoding: .utf8)
        #expect(throws: DaemonError.self) { try LocalConf(home: Home(path: dir.path)) }
    }

    @Test func httpAnswersParseByLengthChunksOrClose() throws {
        let plain = try ServiceClient.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra".utf8))
        #expect(plain.status == 200 && plain.body == "{}")
        let chunked = try ServiceClient.parse(Array("HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4;x=y\r\n\":1}\r\n0\r\n\r\n".utf8))
        #expect(chunked.status == 401 && chunked.body == "{\"a\":1}")
        #expect(try ServiceClient.parse(Array("HTTP/1.0 404 Not Found\r\n\r\nnope".utf8)).body == "nope")
        for bad in ["", "HTTP/1.1 200 OK\r\n", "garbage\r\n\r\n", "HTTP/1.1 xyz\r\n\r\n",
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffff\r\nab"] {
            #expect(throws: ServiceClient.Failure.self, "\(bad.debugDescription)") { try ServiceClient.parse(Array(bad.utf8)) }
        }
    }
}
