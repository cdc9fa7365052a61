import Foundation
import SixplaneCore

/// Test data committed under `Tests/Fixtures` (copied from the shared vectors, data only).
public enum Fixtures {
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    public static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    public static func data(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relativePath)))
    }

    public static func text(_ relativePath: String) throws -> String {
        String(decoding: try data(relativePath), as: UTF8.self)
    }

    /// The identity of one node of the 1.14.1 testbed (`root`, `ctl`, `a`, `b`), with its secret key.
    public static func testbedIdentity(_ name: String) throws -> Identity {
        try Identity(parsing: text("zt-1.14.1/identities/\(name).secret"))
    }

    public static let testbedNetwork = NetworkID(rawValue: 0x4073_ceaa_6bc4_86f0)
}

/// `name = hex` entries of the vector markdown files, grouped by the heading they appear under.
public struct VectorFile: Sendable {
    public struct Entry: Sendable {
        public var section: String
        public var name: String
        public var hex: String
        public var bytes: [UInt8] { (try? Hex.decode(hex)) ?? [] }
    }

    public var entries: [Entry] = []

    /// Reads lines of the form `name = <hex> [comment]`; a line starting with `=` continues the previous name.
    public init(markdown: String) {
        var section = ""
        var lastName = ""
        for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") {
                section = line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let eq = line.range(of: "=") else { continue }
            var name = line[..<eq.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = line[eq.upperBound...].trimmingCharacters(in: .whitespaces)
            let token = value.split(separator: " ").first.map(String.init) ?? ""
            guard !token.isEmpty, token.count % 2 == 0, token.allSatisfy(\.isHexDigit) else {
                if !name.isEmpty { lastName = name }
                continue
            }
            if name.isEmpty { name = lastName }
            lastName = name
            entries.append(Entry(section: section, name: name, hex: token))
        }
    }

    public init(fixture: String) throws {
        self.init(markdown: try Fixtures.text(fixture))
    }

    /// The value of `name` in the first section whose heading contains `section`.
    public func value(_ name: String, in section: String) -> [UInt8]? {
        entries.first { $0.section.contains(section) && $0.name == name }?.bytes
    }

    /// Every value of `name` in the first section whose heading contains `section`, in file order.
    public func values(_ name: String, in section: String) -> [[UInt8]] {
        guard let heading = entries.first(where: { $0.section.contains(section) })?.section else { return [] }
        return entries.filter { $0.section == heading && $0.name == name }.map(\.bytes)
    }

    /// Sections whose heading starts with `prefix`, in file order.
    public func sections(startingWith prefix: String) -> [String] {
        var seen: [String] = []
        for e in entries where e.section.hasPrefix(prefix) && !seen.contains(e.section) { seen.append(e.section) }
        return seen
    }
}
