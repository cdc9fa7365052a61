import SixplaneCore
import SixplaneDNS

/// The `/metrics` page: Prometheus text format (version 0.0.4).
enum Metrics {
    static func text(_ daemon: DaemonNode) -> String {
        let node = daemon.node!
        let s = node.statistics
        let now = DaemonNode.now()
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { out += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(labels)} \(value)\n" }
        }
        let peers = node.topology.peers.values
        metric("sixplane_online", "gauge", "1 when a root answered recently.", [("", node.isOnline ? 1 : 0)])
        metric("sixplane_peers", "gauge", "Peers known.", [("", peers.count)])
        metric("sixplane_paths", "gauge", "Physical paths to peers, by state.", [
            ("state=\"alive\"", peers.reduce(0) { $0 + $1.paths.filter { $0.isAlive(now) }.count }),
            ("state=\"all\"", peers.reduce(0) { $0 + $1.paths.count }),
        ])
        metric("sixplane_datagrams_total", "counter", "UDP datagrams.", [("direction=\"in\"", s.datagramsIn), ("direction=\"out\"", s.datagramsOut)])
        metric("sixplane_bytes_total", "counter", "UDP payload bytes.", [("direction=\"in\"", s.bytesIn), ("direction=\"out\"", s.bytesOut)])
        var packets: [(String, Int)] = []
        for raw in 0..<s.packetsIn.count {
            guard let verb = Verb(rawValue: UInt8(raw)) else { continue }
            if s.packetsIn[raw] > 0 { packets.append(("direction=\"in\",verb=\"\(verb)\"", s.packetsIn[raw])) }
            if s.packetsOut[raw] > 0 { packets.append(("direction=\"out\",verb=\"\(verb)\"", s.packetsOut[raw])) }
        }
        metric("sixplane_packets_total", "counter", "Authenticated packets by verb and direction.", packets)
        metric("sixplane_drops_total", "counter", "Datagrams, packets and frames dropped, by reason.",
            DropReason.allCases.map { ("reason=\"\($0.rawValue)\"", s.drops[$0] ?? 0) })
        var frames: [(String, Int)] = []
        for id in Set(s.framesIn.keys).union(s.framesOut.keys).sorted(by: { $0.rawValue < $1.rawValue }) {
            frames.append(("network=\"\(id)\",direction=\"in\"", s.framesIn[id] ?? 0))
            frames.append(("network=\"\(id)\",direction=\"out\"", s.framesOut[id] ?? 0))
        }
        metric("sixplane_frames_total", "counter", "Ethernet frames per network and direction.", frames)
        metric("sixplane_ndp_emulated_total", "counter", "Neighbor solicitations answered locally (NDP emulation).", [("", s.ndpEmulated)])
        metric("sixplane_relayed_total", "counter", "Packets relayed for others (as a root).", [("", s.relayed)])
        metric("sixplane_send_errors_total", "counter", "Datagrams the kernel refused to send (no route, full buffer).", [("", daemon.counters.sendErrors)])
        if let dns = daemon.dns?.server.counters {
            metric("sixplane_dns_answers_total", "counter", "DNS answers by response code.",
                dns.answers.sorted { $0.key < $1.key }.map { ("rcode=\"\(DNSCounters.rcodeName($0.key))\"", $0.value) })
            metric("sixplane_dns_forwarded_total", "counter", "DNS questions asked of the network's servers or members for a client.", [("", dns.forwarded)])
            metric("sixplane_dns_drops_total", "counter", "DNS queries dropped, by reason.", DNSDrop.allCases.map { ("reason=\"\($0.rawValue)\"", dns.dropped[$0] ?? 0) })
        }
        metric("sixplane_gso_sends_total", "counter", "System calls that sent several datagrams at once (UDP GSO).", [("", daemon.counters.gsoSends)])
        metric("sixplane_gro_reads_total", "counter", "Socket reads that returned several datagrams at once (UDP GRO).", [("", daemon.counters.groReads)])
        metric("sixplane_tap_writes_total", "counter", "Frames written to taps; merged: several TCP segments in one.", [
            ("kind=\"all\"", daemon.taps.values.reduce(0) { $0 + $1.framesWritten }),
            ("kind=\"merged\"", daemon.taps.values.reduce(0) { $0 + $1.mergedWrites }),
        ])
        metric("sixplane_api_requests_total", "counter", "Local API requests.", [
            ("result=\"all\"", daemon.counters.apiRequests), ("result=\"unauthorized\"", daemon.counters.apiUnauthorized),
        ])
        let tables = node.tableSizes.tables
        metric("sixplane_table_entries", "gauge", "Entries in each of the node's bounded tables.",
            tables.map { ("table=\"\($0.name)\"", $0.size.count) })
        metric("sixplane_table_capacity", "gauge", "The bound of each of the node's tables.",
            tables.map { ("table=\"\($0.name)\"", $0.size.capacity) })
        metric("sixplane_identity_validations_total", "counter", "New peers' identities validated, by verdict.", [
            ("result=\"all\"", s.identityValidations), ("result=\"invalid\"", s.invalidIdentities),
        ])
        metric("sixplane_identity_validation_cpu_microseconds_total", "counter",
            "CPU time spent validating new peers' identities (off the node's loop).",
            [("", Int(daemon.counters.identityValidationNanoseconds / 1000))])
        metric("sixplane_identity_validation_budget", "gauge", "Identity validations per second allowed for strangers.",
            [("", node.configuration.limits.identityValidationsPerSecond)])
        // A controller whose database is not open yet has answered nothing: its series are there, at zero.
        if let c = daemon.controllerService?.counters ?? daemon.deferredController?.counters {
            metric("sixplane_controller_answers_total", "counter", "Config requests the controller answered, by outcome.", [
                ("result=\"config\"", c.answered), ("result=\"refused\"", c.refused), ("result=\"failed\"", c.failures),
                ("result=\"reused\"", c.reused),
            ])
            metric("sixplane_controller_requests_dropped_total", "counter",
                "Config requests not answered: faster than one a second per member and network, or the controller's queue full.", [
                    ("reason=\"rateLimited\"", c.rateLimited), ("reason=\"queue\"", c.dropped),
                ])
        }
        return out
    }
}
