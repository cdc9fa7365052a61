import SixplaneCore
import SixplaneJSON

/// `GET /unstable/controller/network/<id>/member` with any of `sort`, `after`, `limit`, `q`: one page of the
/// members table the web UI shows, in ZeroTier's `/unstable` shape (`data`, `meta`), each member with `lastSeen`
/// (ms, 0 if not since the controller started) and `online`; `meta.next` is the cursor of the next page (null
/// on the last), and the first page's `meta` carries the counts. Without those parameters the list is ZeroTier's.
extension ControllerAPI {
    static let pageParameters = ["sort", "after", "limit", "q"]

    func memberPage(_ nwid: NetworkID, _ query: [String: String], now: Int64) throws(ControllerError) -> Response? {
        guard Self.pageParameters.contains(where: { query[$0] != nil }) else { return nil }
        guard let limit = Int(query["limit"] ?? "50"), (1...1000).contains(limit) else {
            throw ControllerError(.badRequest, "limit must be a number in 1…1000", field: "limit")
        }
        let sort = query["sort"] ?? "address"
        let after = query["after"].flatMap { $0.isEmpty ? nil : $0 }
        let prefix = query["q"].map { $0.trimmingWhitespace() }
        let seen = controller.lastSeen(nwid)
        var members: [ControllerMember]
        switch sort {
        case "address", "name":
            let order: MemberQuery.Order = sort == "name" ? .name : .address
            let cursor = try after.map { (text) throws(ControllerError) in try Self.cursor(text, order: order) }
            members = try store.members(nwid, matching: MemberQuery(order: order, after: cursor, prefix: prefix, limit: limit + 1))
        case "lastSeen":
            members = try seenFirst(nwid, seen: seen, after: try after.map(Self.seenCursor), prefix: prefix, limit: limit + 1)
        default:
            throw ControllerError(.badRequest, "sort must be address, name or lastSeen", field: "sort")
        }
        let more = members.count > limit
        if more { members.removeLast() }
        var meta: [String: JSON] = ["next": .null]
        if more, let last = members.last {
            switch sort {
            case "name": meta["next"] = .string("\(last.address):\(last.nameKey)")
            case "lastSeen": meta["next"] = .string("\(seen[last.address] ?? 0):\(last.address)")
            default: meta["next"] = .string(last.address.description)
            }
        }
        if after == nil {
            let counts = try store.memberCounts(nwid)
            meta["totalCount"] = .int(Int64(counts.total))
            meta["authorizedCount"] = .int(Int64(counts.authorized))
        }
        let data: [JSON] = members.map { m in
            guard var o = m.json.objectValue else { return m.json }
            let last = seen[m.address] ?? 0
            o["lastSeen"] = .int(last)
            o["online"] = .bool(last > 0 && now - last <= Controller.onlineWindow)
            return .object(o)
        }
        return Response(["data": .array(data), "meta": .object(meta)])
    }

    /// `<address>` for the address order, `<address>:<name key>` for the name order.
    static func cursor(_ text: String, order: MemberQuery.Order) throws(ControllerError) -> MemberQuery.Cursor {
        let address = text.prefix(10), rest = text.dropFirst(10)
        guard let a = try? Address(hex: address), order == .address ? rest.isEmpty : rest.first == ":" else {
            throw ControllerError(.badRequest, "after is not a cursor this list gave out", field: "after")
        }
        return MemberQuery.Cursor(nameKey: String(rest.dropFirst()), address: a)
    }

    /// `<last seen ms>:<address>`.
    static func seenCursor(_ text: String) throws(ControllerError) -> (seen: Int64, address: Address) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let ms = Int64(parts[0]), ms >= 0, let a = try? Address(hex: parts[1]) else {
            throw ControllerError(.badRequest, "after is not a cursor this list gave out", field: "after")
        }
        return (ms, a)
    }

    /// Members this controller has heard from, the latest first, then the rest by address. The seen ones are sorted
    /// in memory for each page (n log n in the members heard from since the start; there is no index on a time that
    /// changes with every request); the rest page by the address index, skipping the seen. The order moves as members
    /// ask, so a walk in it is best-effort: one that asks mid-walk jumps to the front and can be missed or met twice.
    func seenFirst(
        _ nwid: NetworkID, seen: [Address: Int64], after: (seen: Int64, address: Address)?, prefix: String?, limit: Int
    ) throws(ControllerError) -> [ControllerMember] {
        let filter = MemberQuery(prefix: prefix, limit: limit)
        var out: [ControllerMember] = []
        if after.map({ $0.seen > 0 }) ?? true {
            let ordered = seen.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let start = after.map { c in ordered.firstIndex { $0.value < c.seen || ($0.value == c.seen && $0.key > c.address) } ?? ordered.count } ?? 0
            for (address, _) in ordered[start...] {
                guard let m = try store.member(nwid, address), filter.matches(m) else { continue }
                out.append(m)
                if out.count == limit { return out }
            }
        }
        var cursor = after.flatMap { $0.seen == 0 ? MemberQuery.Cursor(address: $0.address) : nil }
        while out.count < limit {
            let batch = try store.members(nwid, matching: MemberQuery(after: cursor, prefix: prefix, limit: limit))
            for m in batch where seen[m.address] == nil {
                out.append(m)
                if out.count == limit { break }
            }
            guard batch.count == limit, let last = batch.last else { break }
            cursor = last.cursor
        }
        return out
    }
}
