import ArgumentParser
import Foundation
import SixplaneCNI
import SixplaneAPI
import SixplaneCore
import SixplaneDaemon
import SixplaneJSON

/// `sixplane docker`: hand this host's 6PLANE /80 to Docker, as the seed document's bash snippet does by hand.
struct DockerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docker",
        abstract: "Give this host's 6PLANE /80 to Docker's containers.",
        subcommands: [Cidr.self, Configure.self]
    )

    struct Cidr: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print this host's 6PLANE /80 on a network (for dockerd --fixed-cidr-v6).")
        @Option(help: "The network id.") var network: String
        @Option(help: "The node's home folder (its identity is read there).") var home = ServiceOptions.defaultHome
        @Flag(help: "Print a JSON object.") var json = false

        func run() throws {
            let plane = try DockerCommand.plane(network: network, home: home)
            if json {
                Output.line("{\"network\":\"\(plane.network)\",\"node\":\"\(plane.node)\",\"cidr\":\"\(plane.hostPrefix)\",\"address\":\"\(plane.address)\"}")
            } else {
                Output.line(plane.hostPrefix.description)
            }
        }
    }

    struct Configure: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point Docker at this host's /80: daemon.json (ipv6, fixed-cidr-v6) or a routed IPv6 network; IPv6 forwarding on.",
            discussion: """
                With --daemon-json (the default), "ipv6": true and "fixed-cidr-v6": "<host /80>" are merged into \
                daemon.json, every other key kept; restart dockerd afterwards. With --docker-network NAME, a \
                user-defined bridge network on the /80 is created instead (routed where the engine supports \
                com.docker.network.bridge.gateway_mode_ipv6=routed). The joined network must give this host a 6PLANE \
                address. Nothing is changed when a check fails.
                """
        )
        @Option(help: "The network id.") var network: String
        @OptionGroup var service: ServiceOptions
        @Option(name: .customLong("daemon-json"), help: "The engine's configuration file.") var daemonJSON = "/etc/docker/daemon.json"
        @Option(name: .customLong("docker-network"), help: "Create this Docker network on the /80 instead of editing daemon.json.")
        var dockerNetwork: String?
        @Option(name: .customLong("docker-host"), help: "The engine's socket for --docker-network (e.g. unix:///run/docker.sock).")
        var dockerHost: String?
        @Flag(name: .customLong("no-forwarding"), help: "Leave IPv6 forwarding as it is.") var noForwarding = false

        func run() throws {
            let plane = try DockerCommand.plane(network: network, home: service.home)
            try DockerCommand.checkJoined(plane, service: service)
            let cidr = plane.hostPrefix.description
            let names = try DockerCommand.names(plane, service: service)
            if let dockerNetwork {
                try createNetwork(dockerNetwork, cidr: cidr)
                if let names { Output.line("containers resolve the network's names with --dns \(names.servers[0]) --dns-search \(names.domain)") }
            } else {
                try mergeDaemonJSON(cidr: cidr, names: names)
            }
            if !noForwarding {
                let path = "/proc/sys/net/ipv6/conf/all/forwarding"
                let before = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                if before != "1" {
                    do { try "1\n".write(toFile: path, atomically: false, encoding: .utf8) } catch {
                        throw CLIError("cannot turn on IPv6 forwarding (\(path)): \(error.localizedDescription)")
                    }
                    Output.line("net.ipv6.conf.all.forwarding: \(before ?? "?") → 1 (containers' traffic is routed through this host)")
                }
            }
        }

        func mergeDaemonJSON(cidr: String, names: (domain: String, servers: [String])?) throws {
            var object: [String: JSON] = [:]
            if FileManager.default.fileExists(atPath: daemonJSON) {
                guard let data = FileManager.default.contents(atPath: daemonJSON) else { throw CLIError("cannot read \(daemonJSON)") }
                if !data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x09 || $0 == 0x0d }) {
                    guard let o = JSON(parsing: data)?.objectValue else { throw CLIError("\(daemonJSON) is not a JSON object; fix it first (nothing changed)") }
                    object = o
                }
            }
            var changes: [String] = []
            if object["ipv6"] != .bool(true) {
                changes.append("ipv6: \(object["ipv6"]?.text ?? "(unset)") → true")
                object["ipv6"] = .bool(true)
            }
            if object["fixed-cidr-v6"] != .string(cidr) {
                changes.append("fixed-cidr-v6: \(object["fixed-cidr-v6"]?.text ?? "(unset)") → \"\(cidr)\"")
                object["fixed-cidr-v6"] = .string(cidr)
            }
            // The network's names: this host's node first, then the servers the host had, for everything else.
            if let names {
                let kept = (object["dns"]?.arrayValue ?? []).compactMap(\.stringValue).filter { !names.servers.contains($0) }
                let dns = JSON.array((names.servers + kept).map { .string($0) })
                if object["dns"] != dns {
                    changes.append("dns: \(object["dns"]?.text ?? "(unset)") → \(dns.text)")
                    object["dns"] = dns
                }
                let search = (object["dns-search"]?.arrayValue ?? []).compactMap(\.stringValue)
                if !search.contains(names.domain) {
                    let next = JSON.array(([names.domain] + search).map { .string($0) })
                    changes.append("dns-search: \(object["dns-search"]?.text ?? "(unset)") → \(next.text)")
                    object["dns-search"] = next
                }
            }
            if changes.isEmpty {
                Output.line("\(daemonJSON) already gives containers \(cidr)")
                return
            }
            let dir = (daemonJSON as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            do { try FileIO.write(daemonJSON, text: JSON.object(object).pretty(indent: "  ") + "\n") } catch { throw CLIError(error.description) }
            for c in changes { Output.line("\(daemonJSON): \(c)") }
            Output.line("restart dockerd to apply (e.g. systemctl restart docker); containers then get addresses in \(cidr)")
        }

        func createNetwork(_ name: String, cidr: String) throws {
            let base = ["docker"] + (dockerHost.map { ["-H", $0] } ?? [])
            let version = Spawn.run(base + ["version", "--format", "{{.Server.Version}}"])
            guard version.status == 0 else { throw CLIError("cannot reach the Docker engine: \(version.output.trimmingCharacters(in: .whitespacesAndNewlines))") }
            let major = Int(version.output.split(separator: ".").first ?? "") ?? 0
            var argv = base + ["network", "create", "--driver", "bridge", "--ipv6", "--subnet", cidr]
            // Engines from 27 on masquerade IPv6 and filter unpublished ports unless the network is routed.
            if major >= 27 { argv += ["-o", "com.docker.network.bridge.gateway_mode_ipv6=routed"] }
            let r = Spawn.run(argv + [name])
            guard r.status == 0 else { throw CLIError("docker network create failed: \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))") }
            Output.line("created Docker network \(name) on \(cidr) (engine \(version.output.trimmingCharacters(in: .whitespacesAndNewlines))\(major >= 27 ? ", routed" : ""))")
            Output.line("run containers with --network \(name)")
        }
    }

    static func plane(network: String, home: String) throws -> SixPlane {
        let id: NetworkID
        do { id = try NetworkID(hex: network) } catch { throw ValidationError("--network must be 16 hex digits: \(network)") }
        // identity.public is enough (and readable without root).
        let store = IdentityStore(home: home)
        let identity = try CLIError.wrap { () throws -> Identity? in
            FileIO.exists(store.publicPath) ? try IdentityStore.read(store.publicPath) : try store.load()
        }
        guard let identity else { throw CLIError("no identity in \(home): start `sixplane daemon --home \(home)` once") }
        return SixPlane(network: id, node: identity.address)
    }

    /// The network's DNS domain and where containers ask for it: this host's node (on its 6PLANE address, which it
    /// answers on and routes its containers to), then the host's own name servers (other than loopback ones, which a
    /// container cannot reach); nil when the network has no domain.
    static func names(_ plane: SixPlane, service: ServiceOptions, resolvConf: String = "/etc/resolv.conf") throws -> (domain: String, servers: [String])? {
        let r: ServiceClient.Reply
        do { r = try service.client().get(.network(plane.network)) } catch { throw CLIError("cannot reach the daemon: \(error)") }
        guard r.status == 200, let domain = JSON(parsing: r.body)?["dns"]?["domain"]?.stringValue, !domain.isEmpty else { return nil }
        var servers = [plane.address.description]
        let text = (try? String(contentsOfFile: resolvConf, encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("nameserver ") {
            let server = line.dropFirst("nameserver ".count).trimmingCharacters(in: .whitespaces)
            guard let ip = try? IPAddress(parsing: server), !ip.description.hasPrefix("127."), ip.description != "::1", !servers.contains(server) else { continue }
            servers.append(server)
        }
        return (domain, servers)
    }

    /// The daemon must have joined the network and been given this host's 6PLANE address (what the CNI plugin
    /// asks too).
    static func checkJoined(_ plane: SixPlane, service: ServiceOptions) throws {
        do { _ = try HostReadiness.query(try service.client(), network: plane.network, home: service.home) } catch let error as CNIError {
            throw CLIError("\(error.message) (\(error.details)); nothing changed")
        }
    }
}
