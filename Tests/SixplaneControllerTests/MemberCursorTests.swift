import Foundation
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

/// The member list by cursor (`?after=<address>&limit=`): a 100,000-member network walked a page at a time while
/// members are added and deleted between pages, on both stores. Every member there for the whole walk is seen exactly
/// once; none is seen twice; each page costs about the same wherever it is.
@Suite struct MemberCursorTests {
    typealias F = ControllerFixtures

    @Test(arguments: StoreKind.allCases)
    func aWalkSeesEveryMemberOnceWhileTheListChanges(kind: StoreKind) throws {
        let h = try ControllerAPITests.Harness(kind)
        let id = try h.network(["name": "big"])
        let nwid = try NetworkID(hex: id)
        let store = h.api.controller.store
        // Even addresses are there from the start; odd ones come and go during the walk.
        let stable = (0..<100_000).map { Address(truncating: 0x10_0000_0000 + UInt64($0) * 2) }
        for batch in stride(from: 0, to: stable.count, by: 5_000) {
            try store.insertMembers(stable[batch..<min(stable.count, batch + 5_000)].map { ControllerMember(network: nwid, address: $0, creationTime: F.now) })
        }
        var seen = Set<Address>()
        var twice: [Address] = []
        var after = ""
        var pages = 0
        var churn = 0
        while true {
            let r = h.call("GET", "/controller/network/\(id)/member", query: ["after": after, "limit": "1000"])
            #expect(r.status == 200, "\(r.body.prefix(300))")
            let page = try #require(r.json?.arrayValue)
            for m in page {
                let a = try Address(hex: try #require(m["address"]?.stringValue))
                if !seen.insert(a).inserted { twice.append(a) }
            }
            guard let last = page.last?["address"]?.stringValue else { break }
            after = last
            pages += 1
            // Between pages: a member added behind the cursor and one ahead, and one of those added before deleted.
            let behind = Address(truncating: 0x10_0000_0000 + UInt64(pages) * 2 - 1)
            let ahead = Address(truncating: 0x10_0000_0000 + UInt64(min(99_999, pages * 1000 + 500)) * 2 + 1)
            for a in [behind, ahead] { #expect(h.call("POST", "/controller/network/\(id)/member/\(a)", ["name": "churn"]).status == 200) }
            if churn > 0 { #expect(h.call("DELETE", "/controller/network/\(id)/member/\(Address(truncating: 0x10_0000_0000 + UInt64(churn) * 2 + 1))").status != 500) }
            churn += 1
            #expect(pages < 300, "the walk ends")
            if pages >= 300 { break }
        }
        #expect(twice.isEmpty, "seen twice: \(twice.prefix(5))")
        let missing = stable.filter { !seen.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) never seen, first \(missing.prefix(3))")
        #expect(pages >= 100)
    }
}
