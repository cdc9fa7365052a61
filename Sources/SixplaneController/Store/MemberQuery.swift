import SixplaneCore

/// One page of a network's members in an order, after a keyset cursor, optionally only those whose address or
/// name starts with a prefix: what the web UI's members table asks for. Every page is found through an index
/// (address, or name key then address), so its cost does not grow with how deep into the list it is.
public struct MemberQuery: Sendable, Equatable {
    public enum Order: String, Sendable, CaseIterable {
        case address, name
    }

    /// The last member of the page before, in this query's order.
    public struct Cursor: Sendable, Equatable {
        public var nameKey: String
        public var address: Address

        public init(nameKey: String = "", address: Address) {
            self.nameKey = nameKey
            self.address = address
        }
    }

    public var order: Order
    public var after: Cursor?
    /// Matched against the start of the address and of the name key (ASCII letters in any case).
    public var prefix: String?
    public var limit: Int

    public init(order: Order = .address, after: Cursor? = nil, prefix: String? = nil, limit: Int) {
        self.order = order
        self.after = after
        self.prefix = prefix.map(ControllerMember.nameKey).flatMap { $0.isEmpty ? nil : $0 }
        self.limit = limit
    }

    /// The prefix as an inclusive range of addresses (hex digits only; nil when it cannot start an address): padded
    /// with 0s and fs to the 10 digits every stored address has, so that any collation orders the bounds as bytes do
    /// (a bound such as prefix + "~" sorts below the prefix's addresses under most locales).
    var addressRange: (low: String, high: String)? {
        guard let prefix, prefix.count <= 10, prefix.allSatisfy(\.isHexDigit) else { return nil }
        let pad = 10 - prefix.count
        return (prefix + String(repeating: "0", count: pad), prefix + String(repeating: "f", count: pad))
    }

    /// The prefix as a range of name keys: every text that starts with it sorts below prefix + U+10FFFF bytewise.
    var nameRange: (low: String, high: String)? {
        prefix.map { ($0, $0 + "\u{10FFFF}") }
    }
}

extension ControllerMember {
    /// The name as the store sorts and searches it: ASCII letters lowercased (the same in SQLite and PostgreSQL
    /// whatever their locale), everything else as it is.
    public static func nameKey(_ name: String) -> String {
        String(decoding: name.utf8.map { (0x41...0x5a).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    public var nameKey: String { Self.nameKey(name) }

    /// This member as the cursor of a page that ends with it.
    public var cursor: MemberQuery.Cursor { MemberQuery.Cursor(nameKey: nameKey, address: address) }
}

extension MemberQuery {
    /// The page's SELECT for either store: `placeholder(i)` spells the i-th (from 1) argument, whose values come
    /// back in order (all text but the limit).
    func sql(network: NetworkID, placeholder: (Int) -> String) -> (text: String, arguments: [String], limit: Int) {
        var arguments = [network.description]
        func next(_ value: String) -> String {
            arguments.append(value)
            return placeholder(arguments.count)
        }
        var text = "SELECT data FROM member WHERE network = \(placeholder(1))"
        if let names = nameRange {
            var match = ["(name_key >= \(next(names.low)) AND name_key < \(next(names.high)))"]
            if let addresses = addressRange {
                match.append("(address >= \(next(addresses.low)) AND address <= \(next(addresses.high)))")
            }
            text += " AND (" + match.joined(separator: " OR ") + ")"
        }
        switch order {
        case .address:
            if let after { text += " AND address > \(next(after.address.description))" }
            text += " ORDER BY address"
        case .name:
            if let after { text += " AND (name_key, address) > (\(next(after.nameKey)), \(next(after.address.description)))" }
            text += " ORDER BY name_key, address"
        }
        return (text + " LIMIT \(placeholder(arguments.count + 1))", arguments, limit == .max ? Int(Int32.max) : limit)
    }
}

extension MemberQuery {
    /// Whether `member` passes the prefix, as the stores' ranges decide it.
    public func matches(_ member: ControllerMember) -> Bool {
        guard let prefix else { return true }
        return member.nameKey.utf8.starts(with: prefix.utf8) || (addressRange != nil && member.address.description.hasPrefix(prefix))
    }
}
