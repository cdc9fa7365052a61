import ArgumentParser
import CAllocationCounter
import SixplaneController
import SixplaneCore
import SixplaneDNS
import SixplaneJSON

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the speed of the crypto primitives and identity work on this machine.",
        discussion: """
            Build with `-c release` for meaningful figures: `swift run -c release sixplane bench`. Throughput is the \
            best of five rounds (the machine may be shared); identity times are averages.
            """
    )

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case all, crypto, identity, armor, node, controller, dns
    }

    @Argument(help: "Which benchmarks: all, crypto, identity, armor, node; or controller (not part of all: it builds a database of --members members); or dns (servers on loopback, --dns-members members).")
    var suite: Suite = .all
    @Option(help: "Seconds per throughput measurement.") var seconds: Double = 1
    @Option(help: "Identity generations and validations to average.") var identities: Int = 20
    @Flag(help: "Print a JSON array instead of a table.") var json = false
    @Option(help: "DNS benchmark: members the controller's node serves.") var dnsMembers: Int = 100_000
    @Option(help: "Controller benchmark: members in the network.") var members: Int = 1_000_000
    @Option(help: "Controller benchmark: config requests to time (random members).") var requests: Int = 100_000
    @Option(help: "Controller benchmark: members created through the API (one call each), then asked for the first time.")
    var apiMembers: Int = 10_000
    @Option(name: .customLong("controller-db"), help: "Controller benchmark: a postgresql:// URL instead of a temporary SQLite file.")
    var controllerDB: String?
    @Option(help: "Controller benchmark: SQLite's synchronous setting, full (the controller's, durable at a power cut) or normal (for comparison).")
    var sqliteSynchronous: SQLiteStore.Synchronous = .full

    struct Result: Encodable {
        var name: String
        var size: Int?
        var mibPerSecond: Double?
        var millisecondsEach: Double?
        var iterations: Int
        /// Heap allocations per operation (armor benchmarks).
        var allocationsEach: Double?
        /// Packets per second (node benchmarks).
        var packetsPerSecond: Double?
        /// Packets that reached the host (node benchmarks: every one must).
        var delivered: Int?
    }

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard identities > 0, identities <= 10_000 else { throw ValidationError("--identities must be in 1...10000") }
        guard members > 0, members <= 100_000_000 else { throw ValidationError("--members must be in 1...100000000") }
        guard requests > 0, requests <= 100_000_000 else { throw ValidationError("--requests must be in 1...100000000") }
        guard apiMembers >= 0, apiMembers <= 10_000_000 else { throw ValidationError("--api-members must be in 0...10000000") }
        guard dnsMembers > 0, dnsMembers <= MemberDirectory.defaultLimit else { throw ValidationError("--dns-members must be in 1...\(MemberDirectory.defaultLimit)") }
    }

    func run() throws {
        if suite == .dns {
            let figures = try DNSBenchmark.run(members: dnsMembers, seconds: max(seconds, 1))
            if json {
                try Output.json(figures)
                return
            }
            Output.line("DNS over UDP on loopback, \(dnsMembers) members; window = questions in flight")
            for f in figures {
                Output.line(pad(f.name, 34) + " window " + pad("\(f.window)", 3) + " \(Int(f.queriesPerSecond)) queries/s  p50 \(format2(f.p50Milliseconds)) ms  p99 \(format2(f.p99Milliseconds)) ms" + (f.lost > 0 ? "  (\(f.lost) lost)" : ""))
            }
            return
        }
        if suite == .controller {
            let figures = try ControllerBenchmark.run(
                .init(
                    members: members, requests: requests, apiMembers: apiMembers, postgresURL: controllerDB,
                    synchronous: sqliteSynchronous),
                progress: { if !json { Output.error($0) } })
            if json {
                try Output.json(figures)
                return
            }
            let f = figures
            printTable([
                ("store", f.store + (f.store == "sqlite" ? " (synchronous \(sqliteSynchronous.rawValue))" : "")), ("members", "\(f.members)"),
                ("bulk insert", "\(Int(f.bulkMembersPerSecond)) members/s"),
                ("API creates", "\(Int(f.apiCreatesPerSecond)) members/s"),
                ("first requests", "\(Int(f.firstRequestsPerSecond))/s  p50 \(format2(f.firstRequestP50Milliseconds)) ms  p99 \(format2(f.firstRequestP99Milliseconds)) ms"),
                ("config requests", "\(Int(f.requestsPerSecond))/s  p50 \(format2(f.p50Milliseconds)) ms  p99 \(format2(f.p99Milliseconds)) ms  max \(format2(f.maxMilliseconds)) ms"),
                ("repeat requests", "\(Int(f.repeatRequestsPerSecond))/s  p50 \(format2(f.repeatP50Milliseconds)) ms  p99 \(format2(f.repeatP99Milliseconds)) ms  (\(f.reusedAnswers) answers reused)"),
                ("member page (\(f.paging.pageSize))", "first \(format2(f.paging.firstPage)) ms, last by cursor \(format2(f.paging.deepPageByCursor)) ms, last by offset \(f.paging.deepPageByOffset.map { format2($0) + " ms" } ?? "over the store's statement timeout")"),
                ("member walk", "all by cursor, \(f.paging.walkPageSize) a page: \(format2(f.paging.walkSeconds)) s, page p50 \(format2(f.paging.walkPageP50)) ms p99 \(format2(f.paging.walkPageP99)) ms"),
                ("UI table (50)", "first by address \(format2(f.paging.tableFirstByAddress)) ms, by name \(format2(f.paging.tableFirstByName)) ms, deep by name \(format2(f.paging.tableDeepByName)) ms, search \(format2(f.paging.tableSearch)) ms"),
                ("peak resident", "\(Int(f.peakResidentMiB)) MiB"),
            ] + (f.databaseMiB.map { [("database", "\(Int($0)) MiB")] } ?? []))
            return
        }
        var results: [Result] = []
        if suite == .all || suite == .crypto {
            for size in [1400, 65536] {
                results.append(throughput("salsa20/12", size) { buffer, key, _ in
                    var s = Salsa20(key: key, nonce: UnsafeRawBufferPointer(rebasing: key[0..<8]), rounds: 12)
                    s.crypt(buffer)
                })
                results.append(throughput("salsa20/20", size) { buffer, key, _ in
                    var s = Salsa20(key: key, nonce: UnsafeRawBufferPointer(rebasing: key[0..<8]), rounds: 20)
                    s.crypt(buffer)
                })
                results.append(throughput("poly1305", size) { buffer, key, sink in
                    // Feeding the last tag back in keeps the optimizer from hoisting the (pure) call out of the loop.
                    buffer.storeBytes(of: sink, as: UInt64.self)
                    let (a, b) = Poly1305.tag(key: key, message: UnsafeRawBufferPointer(buffer))
                    sink &+= a ^ b
                })
            }
        }
        if suite == .all || suite == .armor {
            results += armorBenchmarks()
        }
        if suite == .all || suite == .node {
            for (cipher, m) in NodeBenchmark.run(milliseconds: Int(seconds * 200)) {
                results.append(
                    Result(
                        name: cipher == .aesGMACSIV ? "node FRAME in, suite 3" : "node FRAME in, suite 1", size: 1400,
                        mibPerSecond: m.packetsPerSecond * 1400 / 1_048_576, iterations: m.packets,
                        allocationsEach: m.allocationsPerPacket, packetsPerSecond: m.packetsPerSecond, delivered: m.delivered))
            }
        }
        if suite == .all || suite == .identity {
            var rng = SystemRandomNumberGenerator()
            var generated: [Identity] = []
            let start = ContinuousClock.now
            for _ in 0..<identities { generated.append(Identity.generate(using: &rng)) }
            let generateTime = ContinuousClock.now - start
            results.append(
                Result(name: "identity generate", millisecondsEach: milliseconds(generateTime) / Double(identities), iterations: identities))
            let vstart = ContinuousClock.now
            var valid = 0
            for id in generated where id.isValid { valid += 1 }
            let validateTime = ContinuousClock.now - vstart
            precondition(valid == generated.count, "a generated identity failed validation")
            results.append(
                Result(name: "identity validate", millisecondsEach: milliseconds(validateTime) / Double(identities), iterations: identities))
        }
        if json {
            try Output.json(results)
            return
        }
        Output.line("benchmark                size   result")
        for r in results {
            let size = r.size.map { String($0) } ?? "-"
            let value =
                r.mibPerSecond.map { String(format2($0)) + " MiB/s" } ?? r.millisecondsEach.map { format2($0) + " ms each" } ?? ""
            let allocations = r.allocationsEach.map { "  \(format2($0)) allocations each" } ?? ""
            let rate = r.packetsPerSecond.map { "  \(Int($0)) packets/s" } ?? ""
            Output.line(pad(r.name, 24) + " " + pad(size, 6) + " " + value + rate + allocations)
        }
    }

    private func throughput(
        _ name: String, _ size: Int, _ body: (UnsafeMutableRawBufferPointer, UnsafeRawBufferPointer, inout UInt64) -> Void
    ) -> Result {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5a)
        let key = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        defer { key.deallocate() }
        for i in 0..<32 { key[i] = UInt8(i &* 7 &+ 1) }
        var sink: UInt64 = 0
        var iterations = 0
        var rates: [Double] = []
        let clock = ContinuousClock()
        // Five rounds; the machine is shared, so the best round is the figure least disturbed by others.
        for _ in 0..<5 {
            var roundIterations = 0
            let start = clock.now
            let deadline = start + .milliseconds(Int(seconds * 200))
            while clock.now < deadline {
                for _ in 0..<64 { body(buffer, UnsafeRawBufferPointer(key), &sink) }
                roundIterations += 64
            }
            let elapsed = clock.now - start
            rates.append(Double(roundIterations * size) / 1_048_576 / seconds(elapsed))
            iterations += roundIterations
        }
        // Keeps the optimizer from discarding the work.
        if sink == 0x1234_5678_9abc_def0 { Output.line("") }
        return Result(name: name, size: size, mibPerSecond: rates.max()!, iterations: iterations)
    }

    /// 1400-byte packets armored and dearmored in place with each suite, on one core, counting heap allocations.
    private func armorBenchmarks() -> [Result] {
        let keys = PeerKeys(key48: (0..<48).map { UInt8($0 &* 5 &+ 3) })
        var results: [Result] = []
        // Calibration: one array per operation must count as one allocation, or the counter is not working.
        var scratch = [UInt8](repeating: 0, count: 1400)
        results.append(
            perPacket("calibration (1 alloc)", packet: &scratch) { buffer in
                let array = [UInt8](repeating: buffer[0], count: 100 + Int(buffer[1]))
                buffer[0] = array[array.count - 1] &+ 1
            })
        for suite in [CipherSuite.poly1305None, .poly1305Salsa2012, .aesGMACSIV] {
            let name = switch suite {
            case .poly1305None: "suite 0"
            case .poly1305Salsa2012: "suite 1"
            default: "suite 3"
            }
            var packet = [UInt8](repeating: 0x42, count: 1400)
            packet[13] = 0x11
            packet[18] = 0
            // A pristine armored copy: each dearmor starts from it (the 1400-byte copy is included in the figure).
            var armored = packet
            PacketArmor.armor(&armored, suite: suite, keys: keys)
            results.append(
                perPacket("\(name) armor", packet: &packet) { buffer in PacketArmor.armor(buffer, suite: suite, keys: keys) })
            results.append(
                perPacket("\(name) dearmor", packet: &packet) { buffer in
                    armored.withUnsafeBytes { buffer.copyMemory(from: $0) }
                    if case .failure = PacketArmor.dearmor(buffer, keys: keys) { fatalError("dearmor failed in benchmark") }
                })
        }
        return results
    }

    private func perPacket(_ name: String, packet: inout [UInt8], _ body: (UnsafeMutableRawBufferPointer) -> Void) -> Result {
        packet.withUnsafeMutableBytes { buffer in
            for _ in 0..<1000 { body(buffer) }  // warm up
            var best = 0.0
            var operations = 0
            var allocations: UInt64 = 0
            let clock = ContinuousClock()
            for _ in 0..<5 {
                let allocationsBefore = sixplane_allocation_count()
                let start = clock.now
                let deadline = start + .milliseconds(Int(seconds * 200))
                var n = 0
                while clock.now < deadline {
                    for _ in 0..<64 { body(buffer) }
                    n += 64
                }
                let elapsed = seconds(clock.now - start)
                allocations += sixplane_allocation_count() - allocationsBefore
                operations += n
                best = max(best, Double(n * buffer.count) / 1_048_576 / elapsed)
            }
            return Result(
                name: name, size: buffer.count, mibPerSecond: best, iterations: operations,
                allocationsEach: Double(allocations) / Double(operations))
        }
    }

    private func seconds(_ d: Duration) -> Double { d.inSeconds }

    private func milliseconds(_ d: Duration) -> Double { d.inSeconds * 1000 }

    private func format2(_ v: Double) -> String {
        let scaled = (v * 100).rounded() / 100
        return String(scaled)
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}

extension Duration {
    /// The duration in (fractional) seconds, for rates.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension SQLiteStore.Synchronous: ExpressibleByArgument {}
