import Foundation
import SixplaneCore
import SixplaneLab
import Testing

extension NamespaceNetworkTests {
    /// Two members each behind a masquerading Linux router behind a provider's router, the controller one router
    /// hop from the switch: introduced by the root, they punch through both NATs and talk directly.
    @Test func membersBehindTwoLinuxNATsGetADirectPath() throws {
        let lab = try Self.makeLab(subnet: 77, placements: ["ctl": .routed, "a": .providerNAT, "b": .providerNAT])
        defer { lab.teardown() }
        let (a, b) = (lab.hosts["a"]!, lab.hosts["b"]!)
        let nwid = try Self.makeNetwork(lab, members: ["a", "b"])
        let bPlane = try #require(b.sixPlane(on: nwid))

        // The first packets go through the root; the introduction it sends makes the path.
        #expect(Self.eventually(20) { Self.ping(a, "\(bPlane.address)", count: 1) })
        func direct(_ from: LabHost, to: LabHost) -> Bool {
            from.sixplane("listpeers").output.contains("200 listpeers \(to.address!) \(to.underlayIPv4)/9993;")
        }
        let met = Self.eventually(20) {
            _ = Self.ping(a, "\(bPlane.address)", count: 1)
            return direct(a, to: b) && direct(b, to: a)
        }
        #expect(met, "a: \(a.sixplane("peers").output)\nb: \(b.sixplane("peers").output)")
        // …and carries the traffic: a burst over it loses nothing.
        #expect(Self.ping(a, "\(bPlane.address)", count: 20))
    }
}
