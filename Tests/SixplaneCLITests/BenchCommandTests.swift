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
