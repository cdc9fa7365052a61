import Foundation
import SixplaneCNI
import SixplaneCore
import SixplaneJSON
import Testing

/// The plugin's reading of what a runtime gives it: the environment and the configuration on stdin, each bad input
/// answered with the spec's error code.
@Suite struct CNIInputTests {
    static let good = #"{"cniVersion":"1.0.0","name":"sixplane","type":"sixplane","network":"8056c2e21c000001"}"#
    static let env = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "abc123", "CNI_NETNS": "/var/run/netns/x", "CNI_IFNAME": "eth0"]

    static func with(_ changes: [String: String?]) -> [String: String] {
        var e = env
        for (k, v) in changes { e[k] = v }
        return e
    }

    @Test(arguments: [
        (["CNI_COMMAND": nil], 4, "CNI_COMMAND is not set"),
        (["CNI_COMMAND": "BOGUS"], 4, "unknown CNI_COMMAND"),
        (["CNI_CONTAINERID": nil], 4, "invalid CNI_CONTAINERID"),
        (["CNI_CONTAINERID": "-starts-with-dash"], 4, "invalid CNI_CONTAINERID"),
        (["CNI_CONTAINERID": "has space"], 4, "invalid CNI_CONTAINERID"),
        (["CNI_IFNAME": ""], 4, "invalid CNI_IFNAME"),
        (["CNI_IFNAME": "a-name-far-too-long"], 4, "invalid CNI_IFNAME"),
        (["CNI_IFNAME": "eth/0"], 4, "invalid CNI_IFNAME"),
        (["CNI_IFNAME": ".."], 4, "invalid CNI_IFNAME"),
        (["CNI_NETNS": nil], 4, "CNI_NETNS must be"),
        (["CNI_NETNS": "relative/path"], 4, "CNI_NETNS must be"),
    ] as [([String: String?], Int, String)])
    func badEnvironment(changes: [String: String?], code: Int, message: String) throws {
        let outcome = CNIPlugin.run(environment: Self.with(changes), stdin: Array(Self.good.utf8))
        #expect(outcome.exitCode == 1)
        let error = try #require(JSON(parsing: outcome.stdout))
        #expect(error["code"]?.intValue == Int64(code), "\(outcome.stdout)")
        #expect(error["msg"]?.stringValue?.contains(message) == true, "\(outcome.stdout)")
        #expect(error["cniVersion"]?.stringValue == "1.0.0", "errors speak the configuration's version")
    }

    @Test(arguments: [
        ("", 6, "not a JSON object"),
        ("{not json", 6, "not a JSON object"),
        ("[1,2]", 6, "not a JSON object"),
        (#"{"name":"x","network":"8056c2e21c000001"}"#, 7, "cniVersion is missing"),
        (#"{"cniVersion":"9.9.9","name":"x","network":"8056c2e21c000001"}"#, 1, "CNI version 9.9.9 is not supported"),
        (#"{"cniVersion":"1.0.0","network":"8056c2e21c000001"}"#, 7, "name is missing"),
        (#"{"cniVersion":"1.0.0","name":"../etc","network":"8056c2e21c000001"}"#, 7, "name is missing"),
        (#"{"cniVersion":"1.0.0","name":"x"}"#, 7, "network is missing"),
        (#"{"cniVersion":"1.0.0","name":"x","network":"8056c2e21c00001"}"#, 7, "network is not a network id"),
        (#"{"cniVersion":"1.0.0","name":"x","network":"zz56c2e21c000001"}"#, 7, "network is not a network id"),
        (#"{"cniVersion":"1.0.0","name":"x","network":42}"#, 7, "network is not a network id"),
        (#"{"cniVersion":"1.0.0","name":"x","network":"8056c2e21c000001","home":"rel"}"#, 7, "home must be"),
        (#"{"cniVersion":"1.0.0","name":"x","network":"8056c2e21c000001","poolSize":0}"#, 7, "poolSize must be"),
        (#"{"cniVersion":"1.0.0","name":"x","network":"8056c2e21c000001","mtu":1000}"#, 7, "mtu must be"),
        (#"{"cniVersion":"1.1.0","name":"x","network":"8056c2e21c000001","cni.dev/valid-attachments":{}}"#, 7, "cni.dev/valid-attachments"),
    ] as [(String, Int, String)])
    func badConfiguration(stdin: String, code: Int, message: String) throws {
        let outcome = CNIPlugin.run(environment: Self.env, stdin: Array(stdin.utf8))
        #expect(outcome.exitCode == 1)
        let error = try #require(JSON(parsing: outcome.stdout), "\(outcome.stdout)")
        #expect(error["code"]?.intValue == Int64(code), "\(outcome.stdout)")
        #expect(error["msg"]?.stringValue?.contains(message) == true, "\(outcome.stdout)")
    }

    @Test func oversizedConfigurationIsRefused() throws {
        let huge = Array(#"{"cniVersion":"1.0.0","pad":""#.utf8) + [UInt8](repeating: 0x61, count: CNIConfig.maxInput) + Array(#""}"#.utf8)
        let outcome = CNIPlugin.run(environment: Self.env, stdin: huge)
        #expect(JSON(parsing: outcome.stdout)?["code"]?.intValue == 6, "\(outcome.stdout.prefix(200))")
    }

    @Test func versionNeedsNothingElse() throws {
        for stdin in ["", #"{"cniVersion":"0.4.0"}"#, #"{"cniVersion":"1.1.0","name":"whatever"}"#] {
            let outcome = CNIPlugin.run(environment: ["CNI_COMMAND": "VERSION"], stdin: Array(stdin.utf8))
            #expect(outcome.exitCode == 0)
            let reply = try #require(JSON(parsing: outcome.stdout))
            #expect(reply["supportedVersions"]?.arrayValue?.compactMap(\.stringValue) == ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"])
            #expect(reply["cniVersion"]?.stringValue == (stdin.contains("0.4.0") ? "0.4.0" : "1.1.0"))
        }
    }

    @Test func daemonNotRunningIsTryAgainLater() throws {
        let home = NSTemporaryDirectory() + "cni-no-daemon-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: home) }
        let stdin = #"{"cniVersion":"1.0.0","name":"x","network":"8056c2e21c000001","home":"\#(home)","dataDir":"\#(home)/data"}"#
        let add = CNIPlugin.run(environment: Self.env, stdin: Array(stdin.utf8))
        #expect(JSON(parsing: add.stdout)?["code"]?.intValue == 11, "\(add.stdout)")
        #expect(JSON(parsing: add.stdout)?["msg"]?.stringValue == "the sixplane daemon is not running")
        #expect(!FileManager.default.fileExists(atPath: home + "/data/x/1"), "no address was taken")
        let status = CNIPlugin.run(environment: ["CNI_COMMAND": "STATUS"], stdin: Array(stdin.utf8))
        #expect(status.exitCode == 1 && JSON(parsing: status.stdout)?["code"]?.intValue == 50, "\(status.stdout)")
        // DEL works without the daemon (and without anything to delete).
        let del = CNIPlugin.run(environment: Self.with(["CNI_COMMAND": "DEL", "CNI_NETNS": ""]), stdin: Array(stdin.utf8))
        #expect(del.exitCode == 0 && del.stdout.isEmpty, "\(del.stdout)")
    }
}

/// ADD's result when the plugin comes after others in a chain: theirs kept, ours after, indexes shifted.
@Suite struct CNIResultTests {
    @Test func chainedAfterAnotherPlugin() throws {
        let previous = try #require(JSON(parsing: #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth1","sandbox":"/x"}],"ips":[{"address":"10.0.0.2/24","interface":0}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.0.0.1"]}}"#))
        let link = PodLink(.init(containerID: "c", ifname: "eth0"))
        let address = try IPv6Address(parsing: "fc11:2233:44aa:bbcc:dd00:1:0:1")
        let merged = CNIResult(link: link, netns: "/x", address: address).json(cniVersion: "1.0.0", after: previous)
        #expect(merged["interfaces"]?.arrayValue?.map { $0["name"]?.stringValue } == ["eth1", link.hostName, "eth0"])
        #expect(merged["ips"]?.arrayValue?.map { $0["address"]?.stringValue } == ["10.0.0.2/24", "\(address)/128"])
        #expect(merged["ips"]?.arrayValue?.last?["interface"]?.intValue == 2)
        #expect(merged["routes"]?.arrayValue?.count == 2 && merged["dns"]?["nameservers"] != nil)
        // Before 1.0.0 each address says its version.
        let old = CNIResult(link: link, netns: "/x", address: address).json(cniVersion: "0.4.0")
        #expect(old["ips"]?.arrayValue?.first?["version"]?.stringValue == "6" && old["ips"]?.arrayValue?.first?["interface"]?.intValue == 1)
    }
}
