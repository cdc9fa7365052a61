import ArgumentParser
import Foundation
import SixplaneCore
import SixplaneDaemon
import SixplaneLab

/// The README's main job: a root, a controller and three hosts in namespaces, a 6PLANE network, each host's Docker
/// given its /80 by `sixplane docker configure`, two containers per host, and a ping6 matrix between them.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Start a 3-host 6PLANE container backplane, ping across it, tear it down.")

    @Flag(help: "Leave the lab running and print how to explore and stop it.")
    var keep = false

    @Flag(help: "Use network namespaces as containers even where Docker could run.")
    var noDocker = false

    @Option(help: "Number of container hosts (1-9).")
    var hosts = 3

    @Option(help: "The sixplane binary (default: the one next to this program).")
    var sixplane: String?

    func validate() throws {
        guard (1...9).contains(hosts) else { throw ValidationError("--hosts must be 1 to 9") }
    }

    func run() throws {
        try LabSetup.requireRoot()
        let started = Date()
        let lab = try Lab(sixplane: try LabSetup.sixplanePath(sixplane), subnet: 70)
        lab.keep = keep
        let signals = LabSetup.tearDownOnSignals(lab)
        defer { withExtendedLifetime(signals) { lab.teardown() } }
        let names = (1...hosts).map { "h\($0)" }

        LabSetup.step("starting a root (private planet), a controller and \(hosts) hosts, each in its own namespace")
        try lab.startWorld(members: names)
        LabSetup.step("creating a 6PLANE network with RFC4193 and an IPv4 pool; joining and authorizing the hosts")
        let nwid = try lab.createNetwork(members: names + ["ctl"], name: "demo")
        let members = names.map { lab.hosts[$0]! }
        LabSetup.step("naming the hosts on the controller and serving the domain \(Self.domain) from the controller's node")
        try nameHosts(lab, nwid, members)

        var why = noDocker ? "--no-docker" : LabDocker.available ? nil : "dockerd or busybox-static is not installed"
        var containers: [LabContainer] = []
        if why == nil {
            LabSetup.step("configuring each host's Docker with its /80 (sixplane docker configure) and starting dockerd")
            do { containers = try dockerContainers(members, nwid) } catch {
                why = "Docker did not start: \(error.description.prefix(300))"
                for host in members { host.docker.stop() }
            }
        }
        if let why {
            LabSetup.step("using network namespaces as containers (\(why))")
            containers = try namespaceContainers(members, nwid)
        }

        printAddressing(lab, nwid, members, containers)
        LabSetup.step("ping6 between every pair of containers")
        let failures = printMatrix(containers)
        print(String(format: "\n%d of %d pairs answered; %.0f s since start", containers.count * (containers.count - 1) - failures,
                     containers.count * (containers.count - 1), Date().timeIntervalSince(started)))
        var nameFailures = 0
        if containers.first?.kind == .docker {
            LabSetup.step("ping6 by name from \(containers[0].label) (Sixplane's DNS: <container>.<host>.\(Self.domain))")
            nameFailures = printNames(containers)
        }
        if keep { printExplore(lab, nwid, containers) }
        if failures + nameFailures > 0 {
            if !keep { print("daemon logs are in \(lab.directory)/<host>/daemon.log until the teardown; rerun with --keep to look") }
            throw ExitCode.failure
        }
    }

    static let domain = "demo.example"

    /// The hosts' member names and the network's DNS domain, served by the controller's node (a member of its own
    /// network); waits until every host has the domain in its config, so that `docker configure` gives it to Docker.
    func nameHosts(_ lab: Lab, _ nwid: NetworkID, _ members: [LabHost]) throws(LabError) {
        guard let ctl = lab.hosts["ctl"], let server = ctl.sixPlane(on: nwid)?.address else { throw LabError("the lab has no controller") }
        for host in members {
            let named = ctl.sixplane("member", "set", "\(nwid)", host.address ?? "", "name=\(host.name)")
            guard named.status == 0 else { throw LabError("naming \(host.name): \(named.output)") }
        }
        let set = ctl.api("POST", "/controller/network/\(nwid)", body: #"{"dns": {"domain": "\#(Self.domain)", "servers": ["\#(server)"]}}"#)
        guard set.status == 200 else { throw LabError("setting the network's DNS: \(set.body)") }
        for host in members {
            guard Lab.eventually(15, { host.api("GET", "/network/\(nwid)").body.contains(Self.domain) }) else {
                throw LabError("\(host.name) did not get the network's DNS domain: \(host.tail())")
            }
        }
    }

    /// The first container pings every other by name; one line each. Returns the number that did not answer.
    func printNames(_ containers: [LabContainer]) -> Int {
        guard let from = containers.first else { return 0 }
        var failures = 0
        for to in containers.dropFirst() {
            let name = "\(to.name).\(to.host.name).\(Self.domain)"
            // The first try may come before the host's engine watcher and the host's name have settled.
            var ms: Double?
            for _ in 0..<5 where ms == nil {
                ms = from.ping(name, attempts: 1)
                if ms == nil { usleep(500_000) }
            }
            if ms == nil { failures += 1 }
            print(pad(name, 28) + pad(to.address, 42) + (ms.map { String(format: "%.2f ms", $0) } ?? "FAIL"))
            fflush(nil)
        }
        return failures
    }

    /// `sixplane docker configure` on each host (it writes the engine's daemon.json), then the engine, the image and
    /// two containers.
    func dockerContainers(_ members: [LabHost], _ nwid: NetworkID) throws(LabError) -> [LabContainer] {
        var containers: [LabContainer] = []
        for host in members {
            try configure(host, nwid, daemonJSON: host.docker.configFile)
            try host.docker.start()
            try host.docker.importBusybox()
            for name in ["c1", "c2"] { containers.append(try host.dockerContainer(name)) }
        }
        return containers
    }

    func namespaceContainers(_ members: [LabHost], _ nwid: NetworkID) throws(LabError) -> [LabContainer] {
        var containers: [LabContainer] = []
        for host in members {
            // Still `sixplane docker configure`: it turns forwarding on, which the namespaces need as Docker would.
            try configure(host, nwid, daemonJSON: host.home + "/daemon.json")
            guard let plane = host.sixPlane(on: nwid) else { throw LabError("\(host.name) has no identity") }
            for (i, name) in ["c1", "c2"].enumerated() {
                let address = plane.address(interfaceID: UInt64(0xc1 + i))
                containers.append(try host.namespaceContainer(name, address: "\(address)"))
            }
        }
        return containers
    }

    func configure(_ host: LabHost, _ nwid: NetworkID, daemonJSON: String) throws(LabError) {
        let r = host.sixplane("docker", "configure", "--network", "\(nwid)", "--daemon-json", daemonJSON)
        guard r.status == 0 else { throw LabError("\(host.name): sixplane docker configure: \(r.output)") }
    }

    func printAddressing(_ lab: Lab, _ nwid: NetworkID, _ members: [LabHost], _ containers: [LabContainer]) {
        print("\nnetwork \(nwid) (controller \(lab.hosts["ctl"]?.address ?? "?")): 6PLANE, RFC4193, IPv4 10.147.17.0/24\n")
        print(pad("host", 6) + pad("node", 12) + pad("/80 (sixplane docker cidr)", 34) + "containers")
        for host in members {
            let cidr = host.sixplane("docker", "cidr", "--network", "\(nwid)").output.trimmingCharacters(in: .whitespacesAndNewlines)
            let mine = containers.filter { $0.host === host }.map { "\($0.name) \($0.address)" }.joined(separator: "  ")
            print(pad(host.name, 6) + pad(host.address ?? "?", 12) + pad(cidr, 34) + mine)
        }
    }

    /// Rows ping columns; each cell is the round trip in ms, `-` for itself, `FAIL` when unanswered. Returns the
    /// number of failed pairs.
    func printMatrix(_ containers: [LabContainer]) -> Int {
        let width = 9
        print("\n" + pad("from \\ to", width) + containers.map { pad($0.label, width) }.joined())
        var failures = 0
        for from in containers {
            var row = pad(from.label, width)
            for to in containers {
                if from.label == to.label {
                    row += pad("-", width)
                } else if let ms = from.ping(to.address) {
                    row += pad(String(format: "%.2f", ms), width)
                } else {
                    row += pad("FAIL", width)
                    failures += 1
                }
            }
            print(row)
            fflush(nil)
        }
        print("(round trips in ms, ping -6 from the row's container to the column's)")
        return failures
    }

    func printExplore(_ lab: Lab, _ nwid: NetworkID, _ containers: [LabContainer]) {
        guard let first = containers.first, let last = containers.last else { return }
        let sixplane = lab.sixplane
        print("""

            The lab is left running (tag \(lab.tag); files in \(lab.directory)).
            Explore:
              ip netns exec \(first.host.namespace) \(sixplane) listpeers --home \(first.host.home)
              ip netns exec \(first.host.namespace) \(sixplane) listnetworks --home \(first.host.home)
              ip netns exec \(lab.hosts["ctl"]!.namespace) \(sixplane) member list \(nwid) --home \(lab.hosts["ctl"]!.home)
            """)
        switch first.kind {
        case .docker:
            print("  docker -H unix://\(first.host.docker.socket) ps")
            print("  docker -H unix://\(first.host.docker.socket) exec -it \(first.name) sh    # then: ping -6 \(last.address)")
        case .namespace:
            print("  ip netns exec \(first.host.namespace)-\(first.name) ping -6 \(last.address)")
        }
        print("Stop it:\n  make demo-stop    (or: \(CommandLine.arguments[0]) stop)")
    }
}
