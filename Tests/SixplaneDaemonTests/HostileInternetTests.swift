import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneLab
import SixplaneTestSupport
import Testing

/// Real daemons attacked on real sockets: a HELLO flood of fresh identities at a root relaying for two members and
/// at a member, and a member forging ARP and neighbor advertisements for another's addresses. An extension of
/// NamespaceNetworkTests so that the labs run one at a time.
extension NamespaceNetworkTests {
    @Test func helloFloodAtARootAndAMember() throws {
        let lab = try Lab(sixplane: Command.sixplane, subnet: 73)
        defer { lab.teardown() }
        var options = FloodScenario.Options()
        options.count = 10_000
        options.rate = 2_500
        let scenario = FloodScenario(lab: lab, options: options)
        try scenario.setUp()
        let root = lab.hosts["root"]!
        // A root alone in its planet says ONLINE, as 1.14.1's does.
        #expect(root.sixplane("info").output.hasSuffix(" ONLINE\n"), "\(root.sixplane("info").output)")
        for target in ["root", "a"] {
            let p = try scenario.flood(target)
            let summary = "\(target): \(p.validations) validations in \(p.seconds) s (budget \(p.budget)/s), \(p.validationCPU) s CPU; daemon \(p.daemonCPU) s; memory \(p.memoryBefore) → \(p.memoryAfter); \(p.ping); drops \(p.drops)"
            #expect(p.sent >= 9_900, "\(summary)")
            // Every HELLO was refused with a reason: the prefix gate, the budgets, or (after validation) invalid.
            let refused = ["newIdentityRateLimited", "agreementBudgetSpent", "validationBudgetSpent", "invalidIdentity"].reduce(0) { $0 + p.drops[$1, default: 0] }
            #expect(refused >= p.sent * 99 / 100, "\(summary)")
            #expect(p.drops["newIdentityRateLimited", default: 0] > p.sent / 2, "most stopped at the /24 and /48 gate: \(summary)")
            // Validation stays within its budget (a fifth of a core, plus the initial burst) whatever arrives.
            #expect(Double(p.validations) <= Double(p.budget) * (p.seconds + 1) + 1, "\(summary)")
            #expect(p.validationShare < 0.3, "validation took \(p.validationShare * 100) % of a core: \(summary)")
            // Nothing was remembered of the strangers, and memory stayed put.
            #expect(p.peersAfter <= 4, "\(summary)")
            #expect(p.memoryAfter.resident - p.memoryBefore.resident < 8 * 1024, "resident memory grew by more than 8 MiB: \(summary)")
            #expect(p.overfull.isEmpty, "\(summary)")
            // The members kept talking through the root.
            #expect(p.ping.received >= p.ping.sent * 9 / 10 && p.ping.sent > 0, "\(summary)")
        }
    }

    /// c writes into its own tap gratuitous ARP replies and neighbor advertisements that say b's IPv4 and RFC4193
    /// addresses are at c's MAC, to a and to everyone, while a pings b. a's node drops and counts them; a's kernel
    /// keeps b's MAC for b's addresses and the pings keep reaching b.
    @Test func aMemberForgingAnotherMembersAddressesIsIgnored() throws {
        let lab = try Self.makeLab(subnet: 74, members: ["a", "b", "c"])
        defer { lab.teardown() }
        let nwid = try Self.makeNetwork(lab, members: ["a", "b", "c"])
        let a = lab.hosts["a"]!, b = lab.hosts["b"]!, c = lab.hosts["c"]!
        let aAddr = try Address(hex: a.address!), bAddr = try Address(hex: b.address!), cAddr = try Address(hex: c.address!)
        let aMAC = MAC(node: aAddr, network: nwid), bMAC = MAC(node: bAddr, network: nwid), cMAC = MAC(node: cAddr, network: nwid)
        let b4 = b.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let a4 = a.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let bRFC = RFC4193(network: nwid, node: bAddr).address, c6 = SixPlane(network: nwid, node: cAddr).address
        #expect(Self.ping(a, b4) && Self.ping(a, "\(bRFC)") && Self.ping(c, "\(SixPlane(network: nwid, node: aAddr).address)"))
        let bIP = try IPv4Address(parsing: b4), aIP = try IPv4Address(parsing: a4)
        let frames = [
            ForgedFrames.arpReply(sender: bIP, senderMAC: cMAC, target: aIP, targetMAC: aMAC, destination: aMAC),
            ForgedFrames.arpReply(sender: bIP, senderMAC: cMAC, target: bIP, targetMAC: .broadcast),
            ForgedFrames.neighborAdvertisement(target: bRFC, advertisedMAC: cMAC, source: c6, sourceMAC: cMAC, destinationMAC: aMAC),
            ForgedFrames.neighborAdvertisement(target: bRFC, advertisedMAC: cMAC, source: c6, sourceMAC: cMAC, destinationMAC: aMAC, hopByHop: true),
        ]
        let cTap = c.sixplane("get", "\(nwid)", "portDeviceName").output.trimmingCharacters(in: .whitespacesAndNewlines)
        let dropsBefore = (Self.metric(a, "sixplane_drops_total{reason=\"spoofedARP\"}"), Self.metric(a, "sixplane_drops_total{reason=\"spoofedNeighbor\"}"))
        let forger = try Spawn.start(
            ["ip", "netns", "exec", c.namespace, lab.labTool, "forge", "--interface", cTap, "--count", "40", "--interval", "100"]
                + frames.flatMap { ["--frame", Hex.encode($0.destination.bytes + $0.source.bytes + [UInt8($0.etherType >> 8), UInt8($0.etherType & 0xff)] + $0.payload)] },
            output: lab.directory + "/forge.log")
        var answered = 0
        for _ in 0..<8 {
            // Ask again: a's kernel would take the forged answers now if its node let them through.
            _ = a.run(["ip", "neigh", "flush", "dev", a.sixplane("get", "\(nwid)", "portDeviceName").output.trimmingCharacters(in: .whitespacesAndNewlines)])
            if Self.ping(a, b4, count: 1) && Self.ping(a, "\(bRFC)", count: 1) { answered += 1 }
        }
        #expect(Spawn.wait(forger) == 0, "\((try? String(contentsOfFile: lab.directory + "/forge.log", encoding: .utf8)) ?? "")")
        #expect(answered >= 7, "a's pings to b's IPv4 and RFC4193 addresses kept reaching b: \(answered) of 8")
        #expect(Self.metric(a, "sixplane_drops_total{reason=\"spoofedARP\"}") > dropsBefore.0, "forged ARP dropped and counted")
        #expect(Self.metric(a, "sixplane_drops_total{reason=\"spoofedNeighbor\"}") > dropsBefore.1, "forged advertisements dropped and counted")
        let neighbours = a.run(["ip", "neigh", "show"]).output
        for line in neighbours.split(separator: "\n") where line.hasPrefix(b4 + " ") || line.hasPrefix("\(bRFC) ") {
            #expect(!line.contains(cMAC.description), "a's kernel never took c's MAC for b's address: \(line)")
        }
        #expect(neighbours.split(separator: "\n").contains { $0.hasPrefix(b4 + " ") && $0.contains(bMAC.description) }, "\(neighbours)")
    }
}
