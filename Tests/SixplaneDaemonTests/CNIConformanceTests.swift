import Foundation
import SixplaneCNI
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON
import SixplaneLab
import SixplaneTestSupport
import Testing

/// The plugin driven as a runtime drives it (environment, stdin, stdout), on lab hosts with real daemons, real
/// network namespaces for pods and the kernel routing between them.
extension NamespaceNetworkTests {
    typealias Plugin = LabCNIPlugin

    static func ourLinks(_ host: LabHost) -> [String] {
        PodLink.ours(inLinkList: host.run(["ip", "-o", "link", "show"]).output)
    }

    @Test func cniPluginConformance() throws {
        let lab = try Self.makeLab(subnet: 78, members: ["h1", "h2"])
        defer { lab.teardown() }
        let (h1, h2) = (lab.hosts["h1"]!, lab.hosts["h2"]!)
        // A network this host has not joined: STATUS says not available, ADD says try again later, nothing is made.
        let ctlAddress = try Address(hex: lab.hosts["ctl"]!.address!)
        let unjoined = NetworkID(controller: ctlAddress, number: 0x999)
        let pod1 = try lab.addPodNamespace("pod1")
        let notYet = Plugin(host: h1, network: unjoined)
        #expect(notYet.run("STATUS").json?["code"]?.intValue == 50)
        let early = notYet.add("pod1", netns: pod1)
        #expect(early.code == 1 && early.json?["code"]?.intValue == 11, "\(early.text)")
        #expect(early.json?["msg"]?.stringValue == "this host has not joined network \(unjoined)")
        #expect(Self.ourLinks(h1).isEmpty)
        let notReady = h1.sixplane("cni", "status", "--network", "\(unjoined)")
        #expect(notReady.status == 1 && notReady.output.hasPrefix("not ready: this host has not joined network"), "\(notReady.output)")

        let nwid = try lab.createNetwork(members: ["h1", "h2"])
        let plugin = Plugin(host: h1, network: nwid)
        #expect(plugin.run("STATUS").code == 0, "\(plugin.run("STATUS").text)")

        // VERSION.
        let version = plugin.run("VERSION", stdin: #"{"cniVersion":"1.0.0"}"#)
        #expect(version.code == 0 && version.json?["supportedVersions"]?.arrayValue?.count == 5)

        // ADD: a routed veth, the pod's address in h1's /80.
        let plane1 = try #require(h1.sixPlane(on: nwid)), plane2 = try #require(h2.sixPlane(on: nwid))
        let add = plugin.add("pod1", netns: pod1)
        #expect(add.code == 0, "\(add.text)")
        let result = try #require(add.json)
        let address = CNIPlugin.address(plane1, index: 1)
        #expect(result["cniVersion"]?.stringValue == "1.0.0")
        #expect(result["ips"]?.arrayValue?.first?["address"]?.stringValue == "\(address)/128")
        #expect(result["ips"]?.arrayValue?.first?["gateway"]?.stringValue == "fe80::1")
        #expect(result["ips"]?.arrayValue?.first?["interface"]?.intValue == 1)
        #expect(result["routes"]?.arrayValue?.first?["dst"]?.stringValue == "::/0")
        let interfaces = result["interfaces"]?.arrayValue ?? []
        #expect(interfaces.count == 2 && interfaces[1]["name"]?.stringValue == "eth0" && interfaces[1]["sandbox"]?.stringValue == pod1)
        #expect(interfaces.first?["name"]?.stringValue.map(PodLink.isOurs) == true)
        #expect(h1.run(["sysctl", "-n", "net.ipv6.conf.all.forwarding"]).output == "1\n")

        // The pod reaches its host, the other host, and the other host reaches the pod.
        let inPod = { (argv: [String]) in Spawn.run(["ip", "netns", "exec", "\(lab.tag)-pod1"] + argv) }
        #expect(inPod(["ping", "-6", "-c", "1", "-W", "2", "\(plane1.address)"]).status == 0, "pod → its host")
        #expect(Self.eventually(10) { inPod(["ping", "-6", "-c", "1", "-W", "1", "\(plane2.address)"]).status == 0 }, "pod → h2's ::1")
        #expect(Self.ping(h2, "\(address)"), "h2 → pod")

        // CHECK after ADD, with the result given back.
        var withPrev = plugin.config
        withPrev["prevResult"] = result
        let check = plugin.run("CHECK", container: "pod1", netns: pod1, stdin: JSON.object(withPrev).text)
        #expect(check.code == 0 && check.text.isEmpty, "\(check.text)")
        // …and CHECK sees a pod that lost its address.
        _ = inPod(["ip", "-6", "addr", "del", "\(address)/128", "dev", "eth0"])
        let broken = plugin.run("CHECK", container: "pod1", netns: pod1, stdin: JSON.object(withPrev).text)
        #expect(broken.code == 1 && broken.json?["code"]?.intValue == 102, "\(broken.text)")

        // DEL twice; the address, the veth and the route are gone.
        for _ in 0..<2 {
            let del = plugin.run("DEL", container: "pod1", netns: pod1, stdin: JSON.object(withPrev).text)
            #expect(del.code == 0 && del.text.isEmpty, "\(del.text)")
        }
        #expect(Self.ourLinks(h1).isEmpty)
        #expect(!h1.run(["ip", "-6", "route"]).output.contains("\(address)"))
        #expect(try PodAddressBook(dataDir: h1.home + "/cni", network: "pods", poolSize: 10).held().isEmpty)
        let after = plugin.run("CHECK", container: "pod1", netns: pod1, stdin: JSON.object(withPrev).text)
        #expect(after.json?["code"]?.intValue == 3, "CHECK after DEL: \(after.text)")

        // GC: only what the runtime still holds stays.
        let pods = try (2...4).map { try lab.addPodNamespace("pod\($0)") }
        for (i, ns) in pods.enumerated() { #expect(plugin.add("pod\(i + 2)", netns: ns).code == 0) }
        #expect(Self.ourLinks(h1).count == 3)
        let gc = plugin.run("GC", config: ["cniVersion": "1.1.0", "cni.dev/valid-attachments": [["containerID": "pod3", "ifname": "eth0"]]])
        #expect(gc.code == 0, "\(gc.text)")
        #expect(Self.ourLinks(h1) == [PodLink(.init(containerID: "pod3", ifname: "eth0")).hostName])
        #expect(try PodAddressBook(dataDir: h1.home + "/cni", network: "pods", poolSize: 10).held().values.map(\.containerID) == ["pod3"])
        _ = plugin.run("DEL", container: "pod3", netns: pods[1])

        // A full range: the ADD fails with our code and leaves nothing behind.
        let small = Plugin(host: h1, network: nwid, name: "small", extra: ["poolSize": 1])
        #expect(small.add("pod2", netns: pods[0]).code == 0)
        let full = small.add("pod4", netns: pods[2])
        #expect(full.json?["code"]?.intValue == 100, "\(full.text)")
        #expect(Self.ourLinks(h1).count == 1)
        #expect(Spawn.run(["ip", "-n", "\(lab.tag)-pod4", "link", "show", "eth0"]).status != 0, "no interface in the pod")
        // An interface name the pod already has: refused, the address given back.
        let clash = plugin.add("pod2b", netns: pods[0])
        #expect(clash.json?["code"]?.intValue == 102, "\(clash.text)")
        #expect(try PodAddressBook(dataDir: h1.home + "/cni", network: "pods", poolSize: 10).held().isEmpty)
        #expect(Self.ourLinks(h1).count == 1)
        _ = small.run("DEL", container: "pod2", netns: pods[0])

        // Two ADDs at once get different addresses; 100 ADD/DEL cycles leave nothing.
        let concurrent = Results2()
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            concurrent.add(plugin.add("both\(i)", netns: pods[i]).json?["ips"]?.arrayValue?.first?["address"]?.stringValue ?? "")
        }
        #expect(Set(concurrent.all).count == 2 && !concurrent.all.contains(""), "\(concurrent.all)")
        for i in 0..<2 { _ = plugin.run("DEL", container: "both\(i)", netns: pods[i]) }
        for cycle in 0..<100 {
            let a = plugin.add("cycle\(cycle)", netns: pods[2])
            let d = plugin.del("cycle\(cycle)", netns: pods[2])
            if a.code != 0 || d.code != 0 {
                Issue.record("cycle \(cycle): \(a.text) \(d.text)")
                break
            }
        }
        #expect(Self.ourLinks(h1).isEmpty)
        #expect(!h1.run(["ip", "-6", "route"]).output.contains("dev sx"))
        #expect(try PodAddressBook(dataDir: h1.home + "/cni", network: "pods", poolSize: 10).held().isEmpty)
        #expect(Spawn.run(["ip", "-n", "\(lab.tag)-pod4", "link", "show", "eth0"]).status != 0)

        // The daemon down: STATUS not available, ADD try again later, DEL still fine.
        h1.stop(timeout: 5)
        #expect(plugin.run("STATUS").json?["code"]?.intValue == 50)
        #expect(plugin.add("late", netns: pods[2]).json?["code"]?.intValue == 11)
        #expect(plugin.run("DEL", container: "late", netns: pods[2]).code == 0)
    }
}

final class Results2: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func add(_ v: String) { lock.withLock { values.append(v) } }
    var all: [String] { lock.withLock { values } }
}
