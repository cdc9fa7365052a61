import Foundation
import SixplaneCore
import SixplaneLab
import SixplaneTestSupport
import Testing

/// A real root daemon carrying 1,000 synthetic peers (each its own identity and source address, from the load
/// generator in its own namespace) while it relays for two real members. An extension of NamespaceNetworkTests so
/// that the labs run one at a time.
extension NamespaceNetworkTests {
    @Test func aRootCarriesAThousandPeersAndKeepsRelaying() throws {
        let lab = try Lab(sixplane: Command.sixplane, subnet: 86)
        defer { lab.teardown() }
        var options = LoadScenario.Options()
        options.peers = 1000
        options.steadySeconds = 20
        options.whoisInterval = 10
        options.rampLimit = 120
        let scenario = LoadScenario(lab: lab, options: options)
        try scenario.setUp()
        let r = try scenario.run()
        let g = r.report
        let summary = "\(g); root: \(r.memoryBefore) → \(r.memorySteady) KiB, \(r.rootCPUShare) of a core, \(r.rootPeers) peers, drops \(r.drops); \(r.ping)"
        // Every synthetic peer was let in and its path is alive.
        #expect(g.peers == 1000 && g.answered == 1000 && g.alive == 1000, "\(summary)")
        #expect(r.rootPeers >= 1000, "\(summary)")
        // Lookups of each other through the root: answered, with the right identity.
        #expect(g.whoisSent >= 1500, "\(summary)")
        #expect(g.whoisWrong == 0 && g.whoisAnswers >= g.whoisSent * 99 / 100, "\(summary)")
        // Keepalives answered, and nothing odd came back.
        #expect(g.echoAnswers + g.helloAnswers >= (g.echoesSent + g.hellosSent) * 99 / 100, "\(summary)")
        #expect(g.badMAC == 0 && g.malformed == 0 && g.wrongAddress == 0 && g.unknownDestination == 0 && g.errors == 0, "\(summary)")
        #expect(g.sendErrors == 0, "\(summary)")
        #expect(r.overfull.isEmpty, "\(summary)")
        // The real members kept talking through the root all along.
        #expect(r.ping.sent > 50 && r.ping.received >= r.ping.sent * 95 / 100, "\(summary)")
    }
}

/// The synthetic peers' source addresses: distinct, each its own IPv4 /24 or IPv6 /48 as far as they go, in the
/// ranges the lab routes.
@Suite struct LoadGeneratorSourceTests {
    @Test func sourcesAreDistinctAndSpreadOverPrefixes() {
        let sources = (0..<100_000).map(LoadGenerator.source)
        #expect(Set(sources).count == sources.count)
        var v4Prefixes = Set<UInt32>(), v6Prefixes = Set<UInt64>()
        for s in sources {
            switch s {
            case .ipv4(let ip, _):
                #expect(ip.rawValue >> 20 == 0xac1, "\(s) in 172.16.0.0/12")
                v4Prefixes.insert(ip.rawValue >> 8)
            case .ipv6(let ip, _):
                #expect(ip.high >> 48 == 0xfd99, "\(s) in fd99::/16")
                v6Prefixes.insert(ip.high >> 16)
            default:
                Issue.record("\(s)")
            }
        }
        #expect(v6Prefixes.count == 75_000, "one /48 each")
        #expect(v4Prefixes.count == 4096, "25,000 over all 4,096 /24s of 172.16.0.0/12")
    }
}
