import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON

/// One network with many members in a real store (SQLite file, or PostgreSQL): how fast members are created, and
/// how fast and how evenly the controller answers config requests on one core: the full answer, from reading the
/// records to the signed chunks the node sends.
///
/// Requesters are synthetic identities (random public keys): the node validates identities before the controller
/// sees a request, so the controller's cost does not depend on them being real.
enum ControllerBenchmark {
    struct Options {
        var members: Int
        var requests: Int
        var apiMembers: Int
        var postgresURL: String?
        var synchronous: SQLiteStore.Synchronous = .full
    }

    struct Figures: Encodable {
        var store: String
        var members: Int
        var bulkMembersPerSecond: Double
        var apiCreatesPerSecond: Double
        var firstRequestsPerSecond: Double
        var firstRequestP50Milliseconds: Double
        var firstRequestP99Milliseconds: Double
        var requests: Int
        var requestsPerSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var maxMilliseconds: Double
        var repeatRequestsPerSecond: Double
        var repeatP50Milliseconds: Double
        var repeatP99Milliseconds: Double
        var reusedAnswers: Int
        var peakResidentMiB: Double
        var databaseMiB: Double?
        var paging: Paging
    }

    /// The member list a page at a time through the API (what a UI asks), in milliseconds.
    struct Paging: Encodable {
        var pageSize: Int
        var firstPage: Double
        var deepPageByCursor: Double
        /// nil: over the store's statement timeout (PostgreSQL's is 1.5 s).
        var deepPageByOffset: Double?
        var walkPageSize: Int
        var walkSeconds: Double
        var walkPageP50: Double
        var walkPageP99: Double
        /// The web UI's table (`/unstable/…/member`, 50 a page): the first page with the counts, in address and name
        /// order, a page deep in the name order by its cursor, and a search by name prefix.
        var tableFirstByAddress: Double
        var tableFirstByName: Double
        var tableDeepByName: Double
        var tableSearch: Double
    }

    static func run(_ o: Options, progress: (String) -> Void) throws -> Figures {
        var rng = SystemRandomNumberGenerator()
        let identity = Identity.generate(using: &rng)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sixplane-bench-\(UInt32.random(in: 0 ... .max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store: ControllerStore = try o.postgresURL.map { try PostgresStore(url: $0) } ?? SQLiteStore(path: "\(dir)/controller.db", synchronous: o.synchronous)
        let controller = Controller(identity: identity, store: store)
        let api = ControllerAPI(controller: controller)
        let network = NetworkID(controller: identity.address, number: UInt32.random(in: 1...0xff_ffff))
        let now: Int64 = 1_800_000_000_000
        let created = api.handle(
            .init(
                method: "POST", path: "/controller/network/\(network)",
                body: Data(
                    #"{"name":"bench","v6AssignMode":{"6plane":true,"rfc4193":true},"v4AssignMode":{"zt":true},"routes":[{"target":"10.0.0.0/8"}],"ipAssignmentPools":[{"ipRangeStart":"10.0.0.1","ipRangeEnd":"10.255.255.254"}]}"#
                        .utf8)), now: now)
        guard created.status == 200 else { throw CLIError("cannot create the network: \(created.body)") }
        // The temporary SQLite file goes with its folder; a PostgreSQL database is left as it was.
        defer { if o.postgresURL != nil { _ = try? store.deleteNetwork(network) } }

        // Members as they are after their first request: authorized, identity known, an address from the pool.
        let metadata = NetworkConfigRequest.standardMetadata()
        var requesters: [Identity] = []
        requesters.reserveCapacity(o.members)
        var publicKey = [UInt8](repeating: 0, count: 64)
        var used: Set<UInt64> = []
        // Random addresses, as real ones are (sequential ones would make ZeroTier's pool walk collide in chains).
        func synthetic() throws -> Identity {
            for i in 0..<64 { publicKey[i] = UInt8.random(in: 0...255, using: &rng) }
            var a: UInt64
            repeat { a = UInt64.random(in: 0x01_0000_0000...0xfe_ffff_ffff, using: &rng) } while !used.insert(a).inserted
            return try Identity(address: Address(truncating: a), publicKey: publicKey)
        }
        // Where ZeroTier's walk would put each member: its address modulo the pool, then the next free one.
        let poolStart: UInt32 = 0x0a00_0001, poolLength: UInt32 = 0x00ff_fffd
        var takenIPs: Set<UInt32> = []
        func poolAddress(_ a: Address) -> IPv4Address {
            var ip = poolStart &+ UInt32(truncatingIfNeeded: a.rawValue) % poolLength
            while ip & 0xff == 0xff || !takenIPs.insert(ip).inserted { ip = ip == poolStart + poolLength - 1 ? poolStart : ip + 1 }
            return IPv4Address(rawValue: ip)
        }
        let bulkStart = ContinuousClock.now
        var batch: [ControllerMember] = []
        for n in 0..<o.members {
            let id = try synthetic()
            requesters.append(id)
            var m = ControllerMember(network: network, address: id.address, creationTime: now)
            m.identity = id.description
            m.name = "host-\(n)"
            m.authorized = true
            m.lastAuthorizedTime = now
            m.lastAuthorizedCredentialType = "api"
            m.ipAssignments = [.v4(poolAddress(id.address))]
            (m.vMajor, m.vMinor, m.vRev, m.vProto) = (1, 14, 1, Int64(Packet.protocolVersion))
            m.revision = 1
            batch.append(m)
            if batch.count == 10_000 || n == o.members - 1 {
                try store.insertMembers(batch)
                batch.removeAll(keepingCapacity: true)
                if (n + 1) % 100_000 == 0 { progress("inserted \(n + 1) members") }
            }
        }
        let bulkRate = Double(o.members) / seconds(ContinuousClock.now - bulkStart)
        progress("bulk insert: \(Int(bulkRate)) members/s")
        let paging = try page(api, network, sorted: requesters.map(\.address).sorted(), progress: progress)

        // Members created one API call each, then their first requests (which assign an address and write).
        var fresh: [Identity] = []
        let apiStart = ContinuousClock.now
        for _ in 0..<o.apiMembers {
            let id = try synthetic()
            fresh.append(id)
            let r = api.handle(
                .init(method: "POST", path: "/controller/network/\(network)/member/\(id.address)", body: Data(#"{"authorized":true}"#.utf8)),
                now: now)
            guard r.status == 200 else { throw CLIError("member creation failed: \(r.body)") }
        }
        let apiRate = Double(o.apiMembers) / seconds(ContinuousClock.now - apiStart)
        progress("API creates: \(Int(apiRate)) members/s")

        let first = measure(fresh, controller: controller, network: network, metadata: metadata, now: now + 1)
        progress("first requests: \(Int(first.rate))/s")

        // Cold: distinct random members, each answered afresh (read, build, three signatures).
        requesters.shuffle(using: &rng)
        let cold = Array(requesters.prefix(o.requests))
        let steady = measure(cold, controller: controller, network: network, metadata: metadata, now: now + 2)
        progress("config requests (fresh answers): \(Int(steady.rate))/s")

        // Warm: members asking again while their answer is reusable (as each member does every minute).
        let workingSet = Array(requesters.suffix(max(1, min(requesters.count - cold.count, o.requests / 5))))
        _ = measure(workingSet, controller: controller, network: network, metadata: metadata, now: now + 3, spread: false)
        var again: [Identity] = []
        while again.count < o.requests { again += workingSet.shuffled(using: &rng) }
        let warm = measure(Array(again.prefix(o.requests)), controller: controller, network: network, metadata: metadata, now: now + 3_000, spread: false)
        progress("config requests (repeat, reused answers): \(Int(warm.rate))/s")

        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let dbSize = o.postgresURL == nil ? fileSize("\(dir)/controller.db") + fileSize("\(dir)/controller.db-wal") : nil
        return Figures(
            store: o.postgresURL == nil ? "sqlite" : "postgresql", members: o.members, bulkMembersPerSecond: bulkRate,
            apiCreatesPerSecond: apiRate, firstRequestsPerSecond: first.rate, firstRequestP50Milliseconds: first.p50,
            firstRequestP99Milliseconds: first.p99, requests: o.requests, requestsPerSecond: steady.rate,
            p50Milliseconds: steady.p50, p99Milliseconds: steady.p99, maxMilliseconds: steady.max,
            repeatRequestsPerSecond: warm.rate, repeatP50Milliseconds: warm.p50, repeatP99Milliseconds: warm.p99,
            reusedAnswers: controller.reused,
            peakResidentMiB: Double(usage.ru_maxrss) / 1024, databaseMiB: dbSize.map { Double($0) / 1_048_576 }, paging: paging)
    }

    /// The first page, a page at the end by cursor and by offset (the best of three each), and the whole list walked
    /// by cursor, every member checked seen once.
    static func page(_ api: ControllerAPI, _ network: NetworkID, sorted: [Address], progress: (String) -> Void) throws -> Paging {
        let path = "/controller/network/\(network)/member"
        func get(_ query: [String: String]) throws -> (ms: Double, members: [JSON]) {
            let start = ContinuousClock.now
            let r = api.handle(.init(method: "GET", path: path, query: query, body: Data()), now: 1_800_000_000_000)
            let ms = seconds(ContinuousClock.now - start) * 1000
            guard r.status == 200, let list = r.json?.arrayValue else { throw CLIError("member page failed: \(r.body.prefix(200))") }
            return (ms, list)
        }
        let size = 100
        let deep = sorted[max(0, sorted.count - size - 1)]
        func best(_ query: [String: String]) throws -> Double { try (0..<3).map { _ in try get(query).ms }.min()! }
        let first = try best(["after": "", "limit": "\(size)"])
        let byCursor = try best(["after": "\(deep)", "limit": "\(size)"])
        let byOffset = try? best(["offset": "\(max(0, sorted.count - size))", "limit": "\(size)"])
        progress("member pages of \(size): first \(first) ms, last by cursor \(byCursor) ms, last by offset \(byOffset.map { "\($0) ms" } ?? "over the timeout")")
        let walkSize = 1000
        var after = "", times: [Double] = [], seen = 0
        let walkStart = ContinuousClock.now
        while true {
            let (ms, list) = try get(["after": after, "limit": "\(walkSize)"])
            times.append(ms)
            seen += list.count
            guard let last = list.last?["address"]?.stringValue else { break }
            after = last
        }
        let walk = seconds(ContinuousClock.now - walkStart)
        guard seen == sorted.count else { throw CLIError("the walk saw \(seen) members of \(sorted.count)") }
        times.sort()
        progress("whole list by cursor, \(walkSize) a page: \(walk) s")
        let table = try tablePages(api, network, count: sorted.count)
        progress("UI table, 50 a page: first by address \(table.byAddress) ms, by name \(table.byName) ms, deep by name \(table.deep) ms, search \(table.search) ms")
        return Paging(
            pageSize: size, firstPage: first, deepPageByCursor: byCursor, deepPageByOffset: byOffset, walkPageSize: walkSize,
            walkSeconds: walk, walkPageP50: times[times.count / 2], walkPageP99: times[min(times.count - 1, times.count * 99 / 100)],
            tableFirstByAddress: table.byAddress, tableFirstByName: table.byName, tableDeepByName: table.deep, tableSearch: table.search)
    }

    /// The best of three of each of the web UI's table queries; members are named host-<n>.
    static func tablePages(_ api: ControllerAPI, _ network: NetworkID, count: Int) throws -> (byAddress: Double, byName: Double, deep: Double, search: Double) {
        let path = "/unstable/controller/network/\(network)/member"
        func best(_ query: [String: String], expect: Int? = nil) throws -> Double {
            try (0..<3).map { _ in
                let start = ContinuousClock.now
                let r = api.handle(.init(method: "GET", path: path, query: query, body: Data()), now: 1_800_000_000_000)
                let ms = seconds(ContinuousClock.now - start) * 1000
                guard r.status == 200, let data = r.json?["data"]?.arrayValue, expect.map({ data.count == min($0, 50) }) ?? true else {
                    throw CLIError("table page \(query) failed: \(r.body.prefix(200))")
                }
                return ms
            }.min()!
        }
        let byAddress = try best(["sort": "address", "limit": "50"], expect: count)
        let byName = try best(["sort": "name", "limit": "50"], expect: count)
        // The name order puts host-999… late; start from a cursor near its end.
        let late = try best(["sort": "name", "limit": "50", "after": "0100000000:host-99"])
        let search = try best(["sort": "name", "limit": "50", "q": "host-12345"])
        return (byAddress, byName, late, search)
    }

    struct Latencies {
        var rate: Double
        var p50: Double
        var p99: Double
        var max: Double
    }

    /// Answers each requester, as the node's hook does (the answer with the signed chunks it sends).
    static func measure(
        _ requesters: [Identity], controller: Controller, network: NetworkID, metadata: ConfigDictionary, now: Int64,
        spread: Bool = true
    ) -> Latencies {
        guard !requesters.isEmpty else { return Latencies(rate: 0, p50: 0, p99: 0, max: 0) }
        var times: [Double] = []
        times.reserveCapacity(requesters.count)
        var chunks = 0
        let clock = ContinuousClock()
        let start = clock.now
        for (i, r) in requesters.enumerated() {
            let t0 = clock.now
            // A millisecond apart, or (repeats) all within the reuse window.
            let t = spread ? now + Int64(i) : now + Int64(i) % 1000
            if case .config(_, let signed) = controller.respond(network: network, requester: r, metadata: metadata, now: t) {
                chunks += signed.count
            }
            times.append(seconds(clock.now - t0) * 1000)
        }
        let total = seconds(clock.now - start)
        precondition(chunks >= requesters.count, "some requests got no config")
        times.sort()
        func q(_ p: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * p))] }
        return Latencies(rate: Double(requesters.count) / total, p50: q(0.5), p99: q(0.99), max: times.last!)
    }

    static func seconds(_ d: Duration) -> Double { d.inSeconds }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
