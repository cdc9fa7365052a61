import Foundation
import SixplaneController
import SixplaneCore
import SixplaneTestSupport
import Testing

@testable import SixplaneController

/// A member may ask once a second per network (ZeroTier's minimum request period), and requests for networks that
/// do not exist leave nothing behind, however many identities send them.
@Suite struct ControllerRequestLimitTests {
    typealias F = ControllerFixtures

    /// The answers a real node sends for the controller, counted as they leave it.
    final class Sent: ControllerLink {
        var configs = 0
        var errors: [ErrorCode] = []
        func sendNetworkConfig(_ config: NetworkConfig, chunks: [NetworkConfigChunk], to member: Address, requestPacketID: UInt64, now: Int64) {
            configs += 1
        }
        func sendNetworkConfigError(network: NetworkID, to member: Address, code: ErrorCode, requestPacketID: UInt64, now: Int64) {
            errors.append(code)
        }
        func sendRevocations(_ revocations: [Revocation], to members: [Address], now: Int64) {}
        func random() -> UInt64 { 7 }
    }

    static func world() throws -> (Controller, Sent, NetworkID, TemporaryDirectory) {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.file("controller.db"))
        let controller = Controller(identity: F.controller, store: store)
        let sent = Sent()
        controller.link = sent
        let id = F.networkID(0x11)
        try F.network(store, id, ["private": false])
        return (controller, sent, id, dir)
    }

    static let metadata = NetworkConfigRequest.standardMetadata()

    @Test(arguments: [
        // (milliseconds after the first request, answered?)
        (Int64(0), false), (1, false), (500, false), (999, false), (1000, true), (5000, true),
    ])
    func oneRequestPerSecond(after: Int64, answered: Bool) throws {
        let (controller, sent, id, dir) = try Self.world()
        defer { dir.remove() }
        let member = SimIdentities.all[40].publicOnly
        controller.handleConfigRequest(network: id, from: member, metadata: Self.metadata, requestPacketID: 1, now: F.now)
        #expect(sent.configs == 1)
        controller.handleConfigRequest(network: id, from: member, metadata: Self.metadata, requestPacketID: 2, now: F.now + after)
        #expect(sent.configs == (answered ? 2 : 1))
        #expect(controller.rateLimited == (answered ? 0 : 1))
        // Another member, and the same member on another network, have limits of their own.
        controller.handleConfigRequest(network: id, from: SimIdentities.all[41].publicOnly, metadata: Self.metadata, requestPacketID: 3, now: F.now + after)
        #expect(sent.configs == (answered ? 3 : 2))
    }

    @Test func madeUpNetworksLeaveNothingBehind() throws {
        let (controller, sent, _, dir) = try Self.world()
        defer { dir.remove() }
        for i in 0..<2000 {
            let requester = SimIdentities.all[i % SimIdentities.all.count].publicOnly
            let made = F.networkID(0x10_0000 + UInt32(i))
            controller.handleConfigRequest(network: made, from: requester, metadata: Self.metadata, requestPacketID: UInt64(i + 1), now: F.now + Int64(i))
        }
        #expect(sent.errors.count == 2000 && sent.errors.allSatisfy { $0 == .objectNotFound })
        #expect(controller.online.isEmpty)
        #expect(controller.lastNetworks.isEmpty)
        // Networks of other controllers are refused the same way, without a read.
        let foreign = NetworkID(controller: Address(truncating: 0x99_8877_6655), number: 1)
        controller.handleConfigRequest(network: foreign, from: SimIdentities.all[1].publicOnly, metadata: Self.metadata, requestPacketID: 9, now: F.now)
        #expect(sent.errors.last == .objectNotFound && controller.online.isEmpty)
    }
}
