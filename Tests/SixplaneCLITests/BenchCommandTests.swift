import Foundation
import SixplaneTestSupport
import Testing

/// `sixplane bench armor` as a process: not for its timings (benchmarks are not tests) but for its allocation
/// counts, which say that armoring and dearmoring a packet touches no heap, with every suite.
@Suite struct BenchCommandTests {
    @Test func armorAllocatesNothingPerPacket() throws {
        let result = try Command.sixplane("bench", "armor", "--seconds", "0.05", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as! String, $0) })
        // The counter works: the calibration allocates one array per operation.
        let calibration = try #require(byName["calibration (1 alloc)"]?["allocationsEach"] as? Double)
        #expect(calibration >= 0.99 && calibration < 1.5)
        for suite in ["suite 0", "suite 1", "suite 3"] {
            for op in ["armor", "dearmor"] {
                let each = try #require(byName["\(suite) \(op)"]?["allocationsEach"] as? Double, "\(suite) \(op)")
                #expect(each == 0, "\(suite) \(op): \(each) allocations per packet")
            }
        }
    }

    @Test func badArguments() throws {
        let r = try Command.sixplane("bench", "--seconds", "0")
        #expect(r.status == 1 && r.stderr.contains("--seconds"))
    }
}

/// `sixplane bench node`: FRAMEs from a known peer through dearmor, the membership check and the hand-off to the
/// host. Every frame must arrive, and the data path must not allocate (the only allocations allowed are the
/// once-a-second HELLO probe of the benchmark's unconfirmed path, far below one per thousand packets).
@Suite struct NodeBenchCommandTests {
    @Test func framesArriveAndAllocateNothing() throws {
        let result = try Command.sixplane("bench", "node", "--seconds", "0.05", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        for row in rows {
            let name = row["name"] as? String ?? "?"
            let delivered = try #require(row["delivered"] as? Int), iterations = try #require(row["iterations"] as? Int)
            #expect(iterations > 0 && delivered == iterations, "\(name): every frame delivered")
            #expect((row["allocationsEach"] as? Double ?? 1) < 0.001, "\(name): allocations per frame")
        }
    }
}

/// `sixplane bench controller` and `sixplane bench dns` on small inputs: not for their timings but for what they
/// check while measuring (the member walk sees every member once; the DNS questions are answered).
@Suite struct ServiceBenchCommandTests {
    @Test func controllerBenchmarkWalksEveryMember() throws {
        let result = try Command.sixplane("bench", "controller", "--members", "1500", "--requests", "100", "--api-members", "20", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let paging = try #require(figures["paging"] as? [String: Any])
        #expect(paging["pageSize"] as? Int == 100 && paging["walkPageSize"] as? Int == 1000)
        #expect((paging["walkSeconds"] as? Double ?? 0) > 0 && (paging["firstPage"] as? Double ?? 0) > 0)
    }

    @Test func dnsBenchmarkIsAnswered() throws {
        let result = try Command.sixplane("bench", "dns", "--seconds", "1", "--dns-members", "200", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 6)
        for row in rows {
            #expect((row["answered"] as? Int ?? 0) > 0, "\(row)")
        }
        #expect(try Command.sixplane("bench", "dns", "--dns-members", "0").status == 1)
    }
}
