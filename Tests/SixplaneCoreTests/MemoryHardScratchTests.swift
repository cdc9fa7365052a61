import Glibc
import SixplaneCore
import Testing

/// The hash's 2 MiB come from the kernel, whole pages of their own, so that giving them back returns them to the
/// system instead of leaving them in the allocator's heap, where a loop making identities once grew without bound.
@Suite struct MemoryHardScratchTests {
    @Test func theScratchIsPagesOfItsOwn() {
        let scratch = MemoryHardScratch()
        defer { scratch.release() }
        let base = scratch.buffer.baseAddress!
        #expect(scratch.buffer.count == MemoryHardHash.memorySize)
        // The allocator's large blocks start 16 bytes into a page (its header); a mapping starts on the page.
        #expect(Int(bitPattern: base) % Int(getpagesize()) == 0)
        scratch.buffer.initializeMemory(as: UInt8.self, repeating: 0xA5)
        var resident = [UInt8](repeating: 0, count: MemoryHardHash.memorySize / Int(getpagesize()))
        #expect(mincore(base, scratch.buffer.count, &resident) == 0)
        #expect(resident.allSatisfy { $0 & 1 == 1 })
    }

    @Test func hashingWithAFreshScratchMatchesAReusedOne() throws {
        let key = [UInt8](repeating: 7, count: C25519.publicKeyLength)
        let reused = MemoryHardScratch()
        defer { reused.release() }
        let first = MemoryHardHash.digest(publicKey: key)
        #expect(first == MemoryHardHash.digest(publicKey: key, scratch: reused.buffer))
        #expect(first == MemoryHardHash.digest(publicKey: key, scratch: reused.buffer), "the scratch needs no clearing")
    }
}
