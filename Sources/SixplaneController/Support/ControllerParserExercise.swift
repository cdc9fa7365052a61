import Foundation
import SixplaneCore
import SixplaneJSON

/// The controller's parsers on untrusted input, for the fuzz targets and the corpus replay: JSON text, rule JSON
/// (to the wire form and back), and the API's request sequences against a real controller on an SQLite file.
public final class ControllerParserExercise {
    static let identity = try! Identity(
        parsing: "4073ceaa6b:0:59b59cadae10ce65dd34b4a0abac9221c2241a7aeeebc5b887ae6dfa129183597fd870219f2c47c829333789602990847b08523ce8aa5962d90f69b512c092b1:6efcc1b94e6fcb5cb2a8361c03cb47db66cf0c310b289d17ce6ade554fca5b4d0fe754478349e98c19a7f93808fb9af74ce5404da9a87a9eefa6f3d7a43f2d32")

    private let directory: String
    private var api: ControllerAPI?
    private var requests = 0

    /// `directory` holds the SQLite file (made anew every 5,000 requests so that it stays small).
    public init(directory: String) {
        self.directory = directory
    }

    deinit { try? FileManager.default.removeItem(atPath: "\(directory)/fuzz-controller.db") }

    /// JSON text: parsed and written; what is written parses again and is written the same (integral doubles are
    /// written as integers, as ZeroTier's API shows them, so the value may come back as an integer).
    public static func json(_ bytes: [UInt8]) {
        guard let value = JSON(parsing: Data(bytes)) else { return }
        let text = value.text
        guard let again = JSON(parsing: text) else { preconditionFailure("written JSON does not parse: \(text.prefix(200))") }
        precondition(again.text == text, "JSON is not written the same twice: \(text.prefix(200))")
        guard let pretty = JSON(parsing: value.pretty()) else { preconditionFailure("pretty JSON does not parse") }
        precondition(pretty.text == text, "pretty JSON reads back differently")
    }

    /// A JSON array of rules (or one rule): each to the wire form, decoded, and back to JSON.
    public static func rules(_ bytes: [UInt8]) {
        guard let value = JSON(parsing: Data(bytes)) else { return }
        for r in value.arrayValue ?? [value] {
            guard let rule = try? RuleJSON.rule(from: r) else { continue }
            var wire: [UInt8] = []
            rule.write(to: &wire)
            _ = try? Rule.decode(wire)
            _ = RuleJSON.json(rule)
        }
    }

    /// Request records: a method byte (GET, POST, DELETE), a path byte, a 2-byte length, and a body. The path byte
    /// picks among the API's routes, for a network and member the sequence may have created; 0xff takes the path
    /// from the body's first line.
    public func apiRequests(_ bytes: [UInt8]) {
        let api = self.controllerAPI()
        var r = ByteReader(bytes, context: "fuzz requests")
        let network = "\(Self.identity.address)000042"
        let paths = [
            "/controller", "/controller/network", "/controller/network/\(network)", "/controller/network/\(Self.identity.address)______",
            "/controller/network/\(network)/member", "/controller/network/\(network)/member/ccd3c55330",
            "/controller/network/\(network)/member/763cb11903", "/unstable/controller/network",
            "/unstable/controller/network/\(network)/member",
        ]
        while !r.isAtEnd, let method = try? r.readUInt8("method"), let pathByte = try? r.readUInt8("path") {
            let length = Int((try? r.readUInt16("length")) ?? 0)
            var body = (try? r.readBytes(min(length, r.remaining), "body")) ?? []
            var path = paths[Int(pathByte) % paths.count]
            if pathByte == 0xff, let newline = body.firstIndex(of: 0x0a) {
                path = String(decoding: body[..<newline], as: UTF8.self)
                body = Array(body[(newline + 1)...])
            }
            var query: [String: String] = [:]
            if pathByte & 0x40 != 0 { query = ["offset": "\(method >> 2)", "limit": "\(pathByte & 0x3f)"] }
            // The members table's parameters (sort, after, limit, q) as the body's first line, k=v&k=v.
            if pathByte & 0xc0 == 0x80, let newline = body.firstIndex(of: 0x0a) {
                for pair in String(decoding: body[..<newline], as: UTF8.self).split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    query[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
                }
                body = Array(body[(newline + 1)...])
            }
            let request = ControllerAPI.Request(
                method: ["GET", "POST", "DELETE", "PUT"][Int(method) % 4], path: path, query: query, body: Data(body))
            let response = api.handle(request, now: 1_795_924_500_000 + Int64(requests))
            precondition((200...599).contains(response.status), "status \(response.status)")
            requests += 1
        }
    }

    private func controllerAPI() -> ControllerAPI {
        if let api, requests < 5_000 { return api }
        api = nil
        requests = 0
        let path = "\(directory)/fuzz-controller.db"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try! SQLiteStore(path: path)
        let made = ControllerAPI(controller: Controller(identity: Self.identity, store: store))
        api = made
        return made
    }
}
