import Foundation
import SixplaneCore

/// The 1.14.1 capture testbed: identities, pair keys, and the independently decoded packets.
public struct Testbed: Sendable {
    public static let names = ["root", "ctl", "a", "b"]
    public let identities: [Address: Identity]
    private let keys: [PairKey: PeerKeys]

    private struct PairKey: Hashable {
        let a: Address, b: Address
        init(_ x: Address, _ y: Address) { (a, b) = x < y ? (x, y) : (y, x) }
    }

    public init() throws {
        var ids: [Address: Identity] = [:]
        for name in Self.names {
            let id = try Fixtures.testbedIdentity(name)
            ids[id.address] = id
        }
        identities = ids
        var k: [PairKey: PeerKeys] = [:]
        let list = Array(ids.values)
        for i in list.indices {
            for j in list.indices where j > i {
                k[PairKey(list[i].address, list[j].address)] = try PeerKeys(local: list[i], peer: list[j])
            }
        }
        keys = k
    }

    public func keys(_ x: Address, _ y: Address) -> PeerKeys? { keys[PairKey(x, y)] }

    public func identity(_ name: String) -> Identity {
        identities.values.first { $0.address.description == Self.address(name) }!
    }

    public static func address(_ name: String) -> String {
        ["root": "49471a9ee2", "ctl": "4073ceaa6b", "a": "ccd3c55330", "b": "763cb11903"][name]!
    }

    /// One line of `decoded/*.jsonl`.
    public struct DecodedRow: Sendable {
        public var frame: Int
        public var kind: String
        public var wire: [UInt8]
        public var verb: String?
        public var plaintext: [UInt8]?
        public var macOK: Bool?
        public var cipher: String?
        public var summary: String?
        public var packetID: String?
    }

    public static func decodedRows(_ fixture: String) throws -> [DecodedRow] {
        try Fixtures.text(fixture).split(separator: "\n").map { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let wireHex = (o["wire"] as? String) ?? (o["hex"] as? String) ?? ""
            return DecodedRow(
                frame: o["frame"] as! Int, kind: o["kind"] as! String, wire: hex(wireHex), verb: o["verb"] as? String,
                plaintext: (o["plaintext"] as? String).map { hex($0) }, macOK: o["mac_ok"] as? Bool,
                cipher: o["cipher"] as? String, summary: o["summary"] as? String, packetID: o["packet_id"] as? String)
        }
    }
}
