import SixplaneCore
import SixplaneJSON
import Synchronization

/// Where a controller keeps its networks and members. Two implementations share one test suite: SQLite (the
/// embedded default) and PostgreSQL (several controller processes on one database).
///
/// Calls are synchronous: the controller answers config requests inside the node's serialized context. Updates are
/// read-modify-write inside one transaction, so concurrent writers (threads, or processes on PostgreSQL) lose
/// nothing, and a record's `revision` goes up only when the record really changed.
public protocol ControllerStore: AnyObject, Sendable {
    func network(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork?
    func networkIDs() throws(ControllerError) -> [NetworkID]
    /// Applies `change` to the stored network (or a new one when `create` and it does not exist) in a transaction;
    /// returns the result, or nil if it does not exist and `create` is false.
    func updateNetwork(
        _ id: NetworkID, create: Bool, now: Int64, _ change: (inout ControllerNetwork) throws(ControllerError) -> Void
    ) throws(ControllerError) -> ControllerNetwork?
    func deleteNetwork(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork?

    func member(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember?
    /// A member's revision and authorization, without reading its record (the check before reusing an answer).
    func memberState(_ network: NetworkID, _ address: Address) throws(ControllerError) -> (revision: Int64, authorized: Bool)?
    func members(_ network: NetworkID, offset: Int, limit: Int) throws(ControllerError) -> [ControllerMember]
    /// One page of `query`: a walk by its cursor neither skips nor repeats a member when others come and go.
    func members(_ network: NetworkID, matching query: MemberQuery) throws(ControllerError) -> [ControllerMember]
    func memberRevisions(_ network: NetworkID) throws(ControllerError) -> [(Address, Int64)]
    func memberCounts(_ network: NetworkID) throws(ControllerError) -> (total: Int, authorized: Int)
    /// Like `updateNetwork`, for a member; the IP index is kept in step, and an address another member holds is
    /// refused (no duplicate assignment, ever).
    func updateMember(
        _ network: NetworkID, _ address: Address, create: Bool, now: Int64, _ change: MemberChange
    ) throws(ControllerError) -> ControllerMember?
    func deleteMember(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember?
    /// The authorized members marked as active bridges (every config lists them).
    func activeBridges(_ network: NetworkID) throws(ControllerError) -> [Address]
    /// Which member holds `ip` on `network`, if any.
    func ipOwner(_ network: NetworkID, _ ip: IPAddress) throws(ControllerError) -> Address?
    /// Bulk insert for imports and benchmarks (existing members are replaced), records stored as they are.
    func insertMembers(_ members: [ControllerMember]) throws(ControllerError)
    /// Stores a network record as it is, revision included (imports); replaces an existing one, keeping its members.
    func insertNetwork(_ network: ControllerNetwork) throws(ControllerError)

    /// What other processes sharing the database changed since the last call (PostgreSQL NOTIFY); the controller
    /// then pushes configs as if it had made the change. Stores without other writers return nothing.
    func takeExternalChanges() -> [ExternalChange]
    /// `wake` is called, on any thread, when external changes are waiting, so the daemon ticks the controller at
    /// once instead of on its next timer.
    func observeExternalChanges(_ wake: @escaping @Sendable () -> Void)
}

/// A change another controller process made to the shared database.
public enum ExternalChange: Hashable, Sendable {
    case network(NetworkID)
    case member(NetworkID, Address)
    /// Notifications may have been missed (the connection dropped): anything may have changed.
    case unknown
}

extension ControllerStore {
    public func takeExternalChanges() -> [ExternalChange] { [] }
    public func observeExternalChanges(_ wake: @escaping @Sendable () -> Void) {}

    public func members(_ network: NetworkID) throws(ControllerError) -> [ControllerMember] {
        try members(network, offset: 0, limit: .max)
    }

    /// Up to `limit` members whose addresses come after `after` (nil: from the first), in address order.
    public func members(_ network: NetworkID, after: Address?, limit: Int) throws(ControllerError) -> [ControllerMember] {
        try members(network, matching: MemberQuery(after: after.map { MemberQuery.Cursor(address: $0) }, limit: limit))
    }
}

/// Changes a member inside the store's transaction. `ipTaken` says whether another member holds an address, read
/// in the same transaction, so that pool assignment can never hand out a duplicate.
public typealias MemberChange = (inout ControllerMember, _ ipTaken: (IPAddress) throws(ControllerError) -> Bool)
    throws(ControllerError) -> Void

/// A stored record with a revision counter.
protocol Revisioned: Equatable {
    var revision: Int64 { get set }
}

extension ControllerNetwork: Revisioned {}
extension ControllerMember: Revisioned {}

/// The part of revision handling both stores share: apply, compare ignoring the revision, bump if changed or new
/// (as ZeroTier does: a record's first save is revision 1).
enum Revisions {
    static func apply<T: Revisioned>(
        _ record: T, isNew: Bool, _ change: (inout T) throws(ControllerError) -> Void
    ) throws(ControllerError) -> (T, changed: Bool) {
        var updated = record
        try change(&updated)
        return finish(record, updated, isNew: isNew)
    }

    static func finish<T: Revisioned>(_ record: T, _ updated: T, isNew: Bool) -> (T, changed: Bool) {
        var updated = updated
        var comparable = updated
        comparable.revision = record.revision
        guard comparable != record || isNew else { return (record, false) }
        updated.revision = record.revision + 1
        return (updated, true)
    }
}

/// The member read-modify-write both stores run inside their transactions, given the reads it needs.
enum MemberUpdate {
    struct Outcome {
        var result: ControllerMember
        /// Whether the record must be written (it changed, or it is new).
        var write: Bool
    }

    static func run(
        network: NetworkID, address: Address, create: Bool, now: Int64, existing: String?,
        networkExists: () throws -> Bool, ipOwner: (IPAddress) throws -> String?, change: MemberChange
    ) throws -> Outcome? {
        let current: ControllerMember
        if let existing {
            current = try ControllerMember(json: try decode(existing))
        } else {
            guard create, try networkExists() else { return nil }
            current = ControllerMember(network: network, address: address, creationTime: now)
        }
        var updated = current
        let a = address.description
        try withoutActuallyEscaping(ipOwner) { ipOwner in
            try change(&updated) { (ip) throws(ControllerError) -> Bool in
                do {
                    let owner = try ipOwner(ip)
                    return owner != nil && owner != a
                } catch let e as ControllerError {
                    throw e
                } catch {
                    throw ControllerError(.unavailable, "controller database read failed: \(error)")
                }
            }
        }
        let (result, changed) = Revisions.finish(current, updated, isNew: existing == nil)
        return Outcome(result: result, write: changed)
    }

    static func decode(_ text: String) throws(ControllerError) -> JSON {
        guard let j = JSON(parsing: text) else { throw ControllerError(.unavailable, "corrupt record in controller database") }
        return j
    }
}

/// Parsed network records by id, reused while the stored revision is unchanged: a store reads the revision and,
/// only when it differs, the record (`SELECT revision, CASE WHEN revision = <cached> THEN NULL ELSE data END`).
final class NetworkCache: Sendable {
    private let entries = Mutex<[NetworkID: ControllerNetwork]>([:])

    /// The cached revision, or -1 (no record has it).
    func revision(_ id: NetworkID) -> Int64 { entries.withLock { $0[id]?.revision ?? -1 } }

    /// The network for what the store read: nil (no such network), or its revision with its data (nil when the
    /// cached revision is current).
    func resolve(_ id: NetworkID, row: (revision: Int64, data: String?)?) throws(ControllerError) -> ControllerNetwork? {
        guard let row else {
            forget(id)
            return nil
        }
        let cached = entries.withLock { $0[id] }
        if let cached, cached.revision == row.revision, row.data == nil { return cached }
        guard let text = row.data else { return nil }
        let network = try ControllerNetwork(json: try MemberUpdate.decode(text))
        entries.withLock { $0[id] = network }
        return network
    }

    func forget(_ id: NetworkID) { entries.withLock { $0[id] = nil } }
}
