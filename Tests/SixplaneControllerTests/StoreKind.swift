import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneTestSupport
import Testing

/// The two store backends; suites taking `StoreKind.allCases` run the same tests against both.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A fresh, empty database of this kind: `open()` gives a new store (a new connection) on it each call.
    final class Database: @unchecked Sendable {
        let kind: StoreKind
        let location: String
        private let directory: TemporaryDirectory?

        init(_ kind: StoreKind) throws {
            self.kind = kind
            switch kind {
            case .sqlite:
                let dir = try TemporaryDirectory()
                directory = dir
                location = dir.file("controller.db")
            case .postgres:
                directory = nil
                location = try PostgresCluster.shared().createDatabase()
            }
        }

        func open() throws -> ControllerStore {
            switch kind {
            case .sqlite: try SQLiteStore(path: location)
            case .postgres: try PostgresStore(url: location)
            }
        }

        deinit { directory?.remove() }
    }

    func database() throws -> Database { try Database(self) }
}

enum ControllerFixtures {
    static let controller = try! Fixtures.testbedIdentity("ctl")
    static let now: Int64 = 1_800_000_000_000

    /// A network id of the testbed controller.
    static func networkID(_ n: UInt32) -> NetworkID { NetworkID(controller: controller.address, number: n) }

    static func address(_ n: UInt64) -> Address { Address(truncating: 0x10_0000_0000 + n) }

    /// Creates a network with `fields` applied.
    @discardableResult
    static func network(_ store: ControllerStore, _ id: NetworkID, _ fields: [String: JSON] = [:]) throws -> ControllerNetwork {
        try store.updateNetwork(id, create: true, now: now) { (n) throws(ControllerError) in try n.apply(fields) }!
    }

    /// Creates or updates a member with `fields` applied.
    @discardableResult
    static func member(_ store: ControllerStore, _ id: NetworkID, _ address: Address, _ fields: [String: JSON] = [:]) throws
        -> ControllerMember?
    {
        try store.updateMember(id, address, create: true, now: now) { m, _ throws(ControllerError) in try m.apply(fields, now: now) }
    }
}
