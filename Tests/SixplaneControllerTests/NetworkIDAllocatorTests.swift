import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

@Suite struct NetworkIDAllocatorTests {
    @Test func idsBelongToTheControllerAndAreNeverZero() throws {
        let controller = try Address(hex: "4073ceaa6b")
        var rng = SeededGenerator(seed: 7)
        var taken: Set<NetworkID> = []
        for _ in 0..<2000 {
            let id = try #require(try NetworkIDAllocator.allocate(controller: controller, using: &rng) { taken.contains($0) })
            #expect(id.controller == controller)
            #expect(id.number != 0)
            #expect(!taken.contains(id))
            taken.insert(id)
        }
    }

    @Test func givesUpWhenEverythingIsTaken() throws {
        var rng = SeededGenerator(seed: 8)
        let id = try NetworkIDAllocator.allocate(controller: try Address(hex: "4073ceaa6b"), using: &rng, attempts: 50) { _ in true }
        #expect(id == nil)
    }
}
