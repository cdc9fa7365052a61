@testable import SixplaneCore
import Testing

@Suite struct MulticastDirectoryTests {
    static let network = NetworkID(rawValue: 0x8056_c2e2_1c00_0001)
    static func member(_ n: Int) -> Address { Address(truncating: UInt64(0x20_0000_0000 + n)) }
    static func group(_ n: Int) -> MulticastGroup { .arp(IPv4Address(rawValue: 0x0a00_0000 + UInt32(n))) }

    @Test func oneMembersLikesAreCapped() {
        var limits = NodeLimits()
        limits.multicastGroupsPerMember = 100
        var d = MulticastDirectory(limits: limits)
        let refused = (0..<10_000).filter { d.record(Self.network, Self.group($0), Self.member(1), now: 0) == .refused }.count
        #expect(d.count == 100 && refused == 9_900)
        #expect(d.groupsOf(Self.member(1)) == 100)
    }

    @Test func aFullGroupForgetsItsOldestMember() {
        var limits = NodeLimits()
        limits.multicastMembersPerGroup = 10
        var d = MulticastDirectory(limits: limits)
        for m in 0..<50 { d.record(Self.network, Self.group(0), Self.member(m), now: Int64(m)) }
        #expect(d.members(of: Self.network, group: Self.group(0)) == 10)
        #expect(d.members(Self.network, Self.group(0), now: 100) == (40..<50).map { Self.member($0) })
    }

    @Test func theWholeDirectoryIsBoundedAndEntriesExpire() {
        var limits = NodeLimits()
        limits.multicastEntries = 1000
        var d = MulticastDirectory(limits: limits)
        for m in 0..<5000 { d.record(NetworkID(rawValue: UInt64(m) + 1), Self.group(m), Self.member(m), now: 0) }
        #expect(d.count == 1000)
        // Ten minutes on, they have expired and room is made for new ones.
        #expect(d.record(Self.network, Self.group(1), Self.member(1), now: Timers.multicastLikeExpire + 1) == .recorded)
        #expect(d.count == 1)
    }
}
