import Foundation
import SixplaneCNI
import SixplaneCore
import SixplaneDaemon
import SixplaneLab
import SixplaneTestSupport
import Testing

/// Pods of a real container runtime on the backplane: podman with its CNI backend (Debian's podman 4.3 and
/// containernetworking-plugins) on two lab hosts, each with its own storage and CNI folders, the plugin and its
/// conflist put there by `sixplane cni install`; a Docker engine on a third host.
extension NamespaceNetworkTests {
    @Test(.enabled(if: LabPodman.available && LabDocker.available, "needs podman, docker.io and busybox-static (make test installs them)"))
    func podmanPodsAcrossHosts() throws {
        let lab = try Self.makeLab(subnet: 79, members: ["h1", "h2", "h3"])
        defer { lab.teardown() }
        let (h1, h2, h3) = (lab.hosts["h1"]!, lab.hosts["h2"]!, lab.hosts["h3"]!)
        let nwid = try Self.makeNetwork(lab, members: ["h1", "h2", "h3"])
        let planes = try [h1, h2, h3].map { try #require($0.sixPlane(on: nwid)) }

        for h in [h1, h2] {
            try h.podman.prepare()
            let status = h.sixplane("cni", "status", "--network", "\(nwid)", "--data-dir", h.podman.dataDir)
            #expect(status.status == 0 && status.output.hasSuffix("ready\n"), "\(h.name): \(status.output)")
            let installed = h.sixplane(
                "cni", "install", "--network", "\(nwid)", "--conf-dir", h.podman.confDir, "--bin-dir", h.podman.binDir,
                "--data-dir", h.podman.dataDir)
            #expect(installed.status == 0 && installed.output.contains("10-sixplane.conflist"), "\(installed.output)")
        }
        let p1 = try h1.podman.run("p1", network: "sixplane"), p2 = try h2.podman.run("p2", network: "sixplane")
        #expect(p1 == "\(CNIPlugin.address(planes[0], index: 1))" && p2 == "\(CNIPlugin.address(planes[1], index: 1))", "\(p1) \(p2)")

        // The pods by name under their host's (node id) in the network's domain, from the plugin's address books.
        let ctl = lab.hosts["ctl"]!
        #expect(ctl.api("POST", "/controller/network/\(nwid)", body: #"{"dns": {"domain": "pods.example", "servers": []}}"#).status == 200)
        func name(_ host: LabHost, _ pod: String, at plane: SixPlane) -> String {
            host.run(["dig", "@\(plane.address)", "+time=1", "+tries=1", "+short", "\(pod).\(host.address!).pods.example", "AAAA"]).output
        }
        let digs = FileManager.default.isExecutableFile(atPath: "/usr/bin/dig")
        if digs {
            #expect(Self.eventually(10) { name(h2, "p2", at: planes[1]) == "\(p2)\n" }, "\(h2.sixplane("dns").output)")
            #expect(name(h1, "p1", at: planes[0]) == "\(p1)\n")
        }

        // A Docker container on the third host, on its /80.
        let configured = h3.sixplane("docker", "configure", "--network", "\(nwid)", "--daemon-json", h3.docker.configFile)
        #expect(configured.status == 0, "\(configured.output)")
        try h3.docker.start()
        try h3.docker.importBusybox()
        let d3 = try h3.docker.runContainer("d3")

        func fromPod(_ host: LabHost, _ pod: String, _ argv: [String]) -> Spawn.Result { host.podman.podman(["exec", pod] + argv) }
        // One-packet tries (busybox's ping waits for ever for a lost one once another came back): the first may go
        // to neighbor discovery on the hosts on the way.
        func reaches(_ host: LabHost, _ pod: String, _ address: String) -> Bool {
            Self.eventually(10) { fromPod(host, pod, ["ping", "-c", "1", "-W", "1", address]).status == 0 }
        }
        // Pod to pod across hosts, both ways; a pod to the other host's ::1 and to a Docker container elsewhere.
        #expect(reaches(h1, "p1", p2), "p1 → p2")
        #expect(reaches(h2, "p2", p1), "p2 → p1")
        #expect(reaches(h1, "p1", "\(planes[1].address)"), "p1 → h2's ::1")
        #expect(reaches(h1, "p1", d3), "p1 → Docker container on h3")
        #expect(Self.eventually(10) { h3.docker.docker(["exec", "d3", "ping", "-c", "1", "-W", "1", p2]).status == 0 }, "Docker container → p2")

        // TCP across hosts, byte for byte: p2 serves busybox, p1 fetches it twice.
        #expect(fromPod(h2, "p2", ["httpd", "-p", "8080", "-h", "/"]).status == 0)
        let local = fromPod(h2, "p2", ["md5sum", "/bin/busybox"]).output.prefix(32)
        let fetched = fromPod(h1, "p1", ["sh", "-c", "for i in 1 2; do wget -q -O - http://[\(p2)]:8080/bin/busybox | md5sum; done"])
        #expect(local.count == 32 && fetched.output == "\(local)  -\n\(local)  -\n", "\(fetched.output) vs \(local)")

        // Removing a pod frees its address, its veth and its route.
        let book = PodAddressBook(dataDir: h1.podman.dataDir, network: "sixplane", poolSize: 10)
        #expect(try book.held().count == 1)
        #expect(h1.podman.podman(["rm", "-f", "-t", "0", "p1"]).status == 0)
        #expect(try book.held().isEmpty)
        if digs { #expect(Self.eventually(2) { name(h1, "p1", at: planes[0]).isEmpty }, "a removed pod's name is gone within 2 s") }
        #expect(PodLink.ours(inLinkList: h1.run(["ip", "-o", "link", "show"]).output).isEmpty)
        #expect(!h1.run(["ip", "-6", "route"]).output.contains(p1))
        // A new pod gets the next address, not the freed one.
        let p3 = try h1.podman.run("p3", network: "sixplane")
        #expect(p3 == "\(CNIPlugin.address(planes[0], index: 2))")
        #expect(reaches(h1, "p3", p2), "p3 → p2")

        // IPv4 beside it: a second network from the reference plugins (ptp with host-local) on the same pod.
        let v4 = #"{"cniVersion":"1.0.0","name":"v4","plugins":[{"type":"ptp","ipam":{"type":"host-local","subnet":"10.89.1.0/24","dataDir":"\#(h1.home)/cni/v4"}}]}"#
        try v4.write(toFile: h1.podman.confDir + "/20-v4.conflist", atomically: true, encoding: .utf8)
        let p4 = try h1.podman.run("p4", network: "sixplane", also: ["v4"])
        let v4Shown = fromPod(h1, "p4", ["ip", "-4", "-o", "addr", "show"]).output
        #expect(v4Shown.contains("inet 10.89.1."), "\(v4Shown)")
        #expect(reaches(h1, "p4", "10.89.1.1"), "p4 → its host over IPv4")
        #expect(reaches(h1, "p4", p2), "p4 → p2 over 6PLANE")
        #expect(p4 == "\(CNIPlugin.address(planes[0], index: 3))")

        // containerd's `ctr run --cni` on h1, with the same conflist and the same address book as podman there.
        guard LabContainerd.available else { return }
        try h1.containerd.start()
        let c1 = try h1.containerd.run("c1", confDir: h1.podman.confDir, binDir: h1.podman.binDir)
        #expect(c1 == "\(CNIPlugin.address(planes[0], index: 4))", "\(c1)")
        #expect(Self.eventually(10) { h1.containerd.exec("c1", ["/bin/ping", "-c", "1", "-W", "1", p2]).status == 0 }, "ctr container → p2")
        #expect(reaches(h2, "p2", c1), "p2 → ctr container")
        h1.containerd.remove("c1")
        #expect(try book.held().values.map(\.containerID).filter { $0.hasPrefix("c1") }.isEmpty, "ctr's DEL freed the address")
        #expect(PodLink.ours(inLinkList: h1.run(["ip", "-o", "link", "show"]).output).count == 2, "only p3's and p4's veths are left")
    }
}
