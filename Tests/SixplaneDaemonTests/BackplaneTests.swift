import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON
import SixplaneLab
import SixplaneTestSupport
import Testing

/// The container backplane end to end: three hosts (one behind a NAT) each running `sixplane daemon` and a real
/// Debian dockerd configured by `sixplane docker configure`, containers reaching each other across hosts by their
/// 6PLANE addresses, and the faults real networks have. Needs root and Docker (both installed by `make test`).
/// An extension of NamespaceNetworkTests so that the labs run one at a time (two at once overload two cores).
extension NamespaceNetworkTests {
    typealias N = NamespaceNetworkTests

    /// A container pings an address; the first attempts may go to neighbor discovery on three hosts, so up to
    /// `seconds` of one-packet tries.
    static func container(_ host: LabHost, _ name: String, ping address: String, within seconds: Double = 6) -> Bool {
        N.eventually(seconds) { host.docker.docker(["exec", name, "ping", "-6", "-c", "1", "-W", "1", address]).status == 0 }
    }

    @Test(.enabled(if: LabDocker.available, "needs docker.io and busybox-static (make test installs them)"))
    func containersAcrossHostsThroughFaults() throws {
        let lab = try N.makeLab(subnet: 69, members: ["h1", "h2", "h3"], placements: ["h3": .nat])
        defer { lab.teardown() }
        let hosts = ["h1", "h2", "h3"].map { lab.hosts[$0]! }
        let (h1, h2, h3) = (hosts[0], hosts[1], hosts[2])
        let nwid = try N.makeNetwork(lab, members: ["h1", "h2", "h3"])
        let planes = try hosts.map { try #require($0.sixPlane(on: nwid)) }

        // Each host's Docker gets its /80 from `sixplane docker configure`, which keeps the file's other keys.
        var containers: [String] = []
        for (i, host) in hosts.enumerated() {
            try #"{"log-level": "warn"}"#.write(toFile: host.docker.configFile, atomically: true, encoding: .utf8)
            let cidr = host.sixplane("docker", "cidr", "--network", "\(nwid)")
            #expect(cidr.output == "\(planes[i].hostPrefix)\n")
            let configured = host.sixplane("docker", "configure", "--network", "\(nwid)", "--daemon-json", host.docker.configFile)
            #expect(configured.status == 0 && configured.output.contains("fixed-cidr-v6"), "\(configured.output)")
            let json = JSON(parsing: try String(contentsOfFile: host.docker.configFile, encoding: .utf8))
            #expect(json?["ipv6"] == .bool(true) && json?["fixed-cidr-v6"] == .string(planes[i].hostPrefix.description))
            #expect(json?["log-level"] == .string("warn"))
            #expect(host.run(["sysctl", "-n", "net.ipv6.conf.all.forwarding"]).output == "1\n")
            try host.docker.start()
            try host.docker.importBusybox()
            let ip = try host.docker.runContainer("c1")
            #expect(ip.hasPrefix(planes[i].hostPrefix.description.replacingOccurrences(of: "::/80", with: ":")), "\(ip) in \(planes[i].hostPrefix)")
            containers.append(ip)
        }
        // Bad input changes nothing: an unjoined network, a network id that is not one.
        let unjoined = h1.sixplane("docker", "configure", "--network", "1122334455000001", "--daemon-json", h1.docker.configFile)
        #expect(unjoined.status == 1 && unjoined.output.contains("has not joined"), "\(unjoined.output)")
        #expect(h1.sixplane("docker", "cidr", "--network", "xyz").status != 0)

        // a. host ↔ host and container ↔ container across hosts, every pair.
        for (i, from) in hosts.enumerated() {
            for (j, _) in hosts.enumerated() where i != j {
                #expect(N.ping(from, "\(planes[j].address)"), "\(from.name) → host \(hosts[j].name)")
                #expect(Self.container(from, "c1", ping: containers[j]), "\(from.name)/c1 → \(hosts[j].name)/c1")
            }
        }

        // …and TCP between containers (routed through both hosts, whose taps take checksum and segmentation offload
        // and merge received segments): h2's container fetches a file from h1's twice, byte for byte.
        #expect(h1.docker.docker(["exec", "-d", "c1", "httpd", "-p", "8080", "-h", "/"]).status == 0)
        let local = h1.docker.docker(["exec", "c1", "md5sum", "/bin/busybox"]).output.prefix(32)
        let fetched = h2.docker.docker(["exec", "c1", "sh", "-c", "for i in 1 2; do wget -q -O - http://[\(containers[0])]:8080/bin/busybox | md5sum; done"])
        #expect(local.count == 32 && fetched.output == "\(local)  -\n\(local)  -\n", "\(fetched.output) vs \(local)")

        // b. an arbitrary address in a host's /80 reaches that host (given to its loopback).
        let arbitrary = planes[1].address(interfaceID: 0xbeef)
        #expect(h2.run(["ip", "-6", "addr", "add", "\(arbitrary)/128", "dev", "lo"]).status == 0)
        // c. …and no neighbor-solicitation multicast crosses the network for it: h1's node answers.
        let ndp = N.metric(h1, "sixplane_ndp_emulated_total")
        let multicast = N.metric(h1, "sixplane_packets_total{direction=\"out\",verb=\"MULTICAST_FRAME\"}")
        #expect(N.ping(h1, "\(arbitrary)"))
        #expect(N.metric(h1, "sixplane_ndp_emulated_total") > ndp)
        #expect(N.metric(h1, "sixplane_packets_total{direction=\"out\",verb=\"MULTICAST_FRAME\"}") == multicast)

        // d. IPv4 (with ARP) and RFC4193 across hosts, to and from the NATed one.
        let v4 = h3.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(N.ping(h1, v4), "IPv4 h1 → h3")
        // TCP over the network's IPv4 takes the same offloads as over IPv6 (segmentation on reading, merging on
        // writing): h3 fetches a file from h1 twice, byte for byte, and h3's tap writes merged IPv4 segments.
        let v4of1 = h1.sixplane("get", "\(nwid)", "ip4").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(h1.run(["sh", "-c", "timeout 60 busybox httpd -f -p \(v4of1):8081 -h /usr/bin >/dev/null 2>&1 &"]).status == 0)
        #expect(N.eventually(5) { h1.run(["sh", "-c", "ss -ltn | grep -q '\(v4of1):8081 '"]).status == 0 }, "httpd on h1's IPv4")
        let merged4 = N.metric(h3, "sixplane_tap_writes_total{kind=\"merged\"}")
        let sum4 = h1.run(["md5sum", "/usr/bin/busybox"]).output.prefix(32)
        let fetched4 = h3.run(["sh", "-c", "for i in 1 2; do busybox wget -q -O - http://\(v4of1):8081/busybox | md5sum; done"])
        #expect(sum4.count == 32 && fetched4.output == "\(sum4)  -\n\(sum4)  -\n", "over IPv4: \(fetched4.output) vs \(sum4)")
        #expect(N.metric(h3, "sixplane_tap_writes_total{kind=\"merged\"}") > merged4, "IPv4 segments merged on writing")
        #expect(N.ping(h3, "\(RFC4193(network: nwid, node: planes[1].node).address)"), "RFC4193 h3 → h2")

        // h. the NATed host reaches the others (direct through its NAT, or relayed).
        #expect(Self.container(h3, "c1", ping: containers[0]) && Self.container(h1, "c1", ping: containers[2]))
        #expect(h3.run(["ip", "-4", "addr", "show", "dev", "eth0"]).output.contains(h3.privateIPv4!), "h3 really is behind the NAT")
        let h3Path = h1.sixplane("listpeers").output.split(separator: "\n").first { $0.contains(h3.address!) } ?? ""
        #expect(h3Path.contains(" \(h3.underlayIPv4)/") || h3Path.contains(" - "), "h1 sees h3 at its NAT's address, or relayed: \(h3Path)")

        // i. h2 sending from an address in h1's /80 is dropped by the receiver and counted.
        let spoofed = planes[0].address(interfaceID: 0x5555)
        let tap2 = h2.sixplane("get", "\(nwid)", "portDeviceName").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(h2.run(["ip", "-6", "addr", "add", "\(spoofed)/128", "dev", tap2, "nodad"]).status == 0)
        let spoofDrops = N.metric(h3, "sixplane_drops_total{reason=\"spoofedSource\"}")
        #expect(!N.ping(h2, "\(planes[2].address)", count: 2, from: "\(spoofed)"), "a spoofed source gets no answer")
        #expect(N.metric(h3, "sixplane_drops_total{reason=\"spoofedSource\"}") > spoofDrops, "and is counted")
        #expect(h2.run(["ip", "-6", "addr", "del", "\(spoofed)/128", "dev", tap2]).status == 0)
        #expect(N.ping(h2, "\(planes[2].address)"), "h2's own address still works")

        // j. TCP across hosts under 5 % loss completes (iperf3, fixed size).
        try lab.loss(h2, 0.05)
        let server = h1.run(["iperf3", "-s", "-D", "-1", "-B", "\(planes[0].address)"])
        #expect(server.status == 0, "\(server.output)")
        #expect(N.eventually(5) { h1.run(["sh", "-c", "ss -ltn | grep -q ':5201 '"]).status == 0 }, "iperf3 server listening")
        let transfer = h2.run(["timeout", "60", "iperf3", "-c", "\(planes[0].address)", "-n", "8M", "-J"])
        try lab.loss(h2, nil)
        let result = JSON(parsing: transfer.output)
        #expect(transfer.status == 0, "\(transfer.output.suffix(500))")
        // TCP finished: every byte sent was acknowledged by h1 (the server's own count may stop before the last).
        #expect((result?["end"]?["sum_sent"]?["bytes"]?.intValue ?? 0) >= 8 << 20, "all 8 MiB sent and acknowledged")
        #expect(result?["error"] == nil)

        // f. deauthorizing h2 cuts its traffic within 2 s; h1 ↔ h3 untouched.
        let ctl = lab.hosts["ctl"]!
        #expect(ctl.sixplane("member", "deauthorize", "\(nwid)", h2.address!).status == 0)
        let cut = Date()
        // One-second pings until one goes unanswered: the one that failed was sent within 2 s of the change.
        var lastAnsweredSent = cut
        while Date().timeIntervalSince(cut) < 10 {
            let sent = Date()
            guard h1.run(["ping", "-6", "-c", "1", "-W", "1", "\(planes[1].address)"]).status == 0 else { break }
            lastAnsweredSent = sent
        }
        #expect(lastAnsweredSent.timeIntervalSince(cut) < 2, "h2 cut off within 2 s")
        #expect(!Self.container(h2, "c1", ping: containers[0], within: 0))
        #expect(Self.container(h1, "c1", ping: containers[2]), "others untouched")
        #expect(ctl.sixplane("member", "authorize", "\(nwid)", h2.address!).status == 0)
        #expect(Self.container(h2, "c1", ping: containers[0], within: 15), "h2 back when authorized again")

        // e. a daemon restart: same identity, addresses and container traffic back.
        let identity = try String(contentsOfFile: h1.home + "/identity.secret", encoding: .utf8)
        #expect(h1.stop() == 0)
        #expect(!Self.container(h2, "c1", ping: containers[0], within: 0), "h1 down")
        try h1.start()
        #expect(try String(contentsOfFile: h1.home + "/identity.secret", encoding: .utf8) == identity)
        #expect(Self.container(h2, "c1", ping: containers[0], within: 20), "container traffic back after restart: \(h1.tail())")
        #expect(Self.container(h1, "c1", ping: containers[1], within: 10))

        // g. the root stopped after direct paths are up: traffic continues.
        for (i, from) in hosts.enumerated() {
            for (j, _) in hosts.enumerated() where i != j { _ = N.ping(from, "\(planes[j].address)", count: 1) }
        }
        #expect(lab.hosts["root"]!.stop() == 0)
        for (i, from) in hosts.enumerated() {
            for (j, _) in hosts.enumerated() where i != j {
                #expect(Self.container(from, "c1", ping: containers[j]), "without the root: \(from.name) → \(hosts[j].name)")
            }
        }
    }
}
