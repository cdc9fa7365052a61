import SixplaneCore

/// Where a controller keeps its networks and members. Two implementations share one test suite: SQLite (the
/// embedded default) and PostgreSQL (several controller processes on one database).
///
/// Calls are synchronous: the controller answers config requests inside the node's serialized context. Updates are
/// read-modify-write inside one transaction, so concurrent writers (threads, or processes on PostgreSQL) lose
/// nothing, and a record's `revision` goes up only when the record really changed.
public protocol ControllerStore: AnyObject {
    func network(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork?
    func networkIDs() throws(ControllerError) -> [NetworkID]
    /// Applies `change` to the stored network (or a new one when `create` and it does not exist) in a transaction;
    /// returns the result, or nil if it does not exist and `create` is false.
    func updateNetwork(
        _ id: NetworkID, create: Bool, now: Int64, _ change: (inout ControllerNetwork) throws(ControllerError) -> Void
    ) throws(ControllerError) -> ControllerNetwork?
    func deleteNetwork(_ id: NetworkID) throws(ControllerError) -> ControllerNetwork?

    func member(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember?
    func members(_ network: NetworkID, offset: Int, limit: Int) throws(ControllerError) -> [ControllerMember]
    func memberRevisions(_ network: NetworkID) throws(ControllerError) -> [(Address, Int64)]
    func memberCounts(_ network: NetworkID) throws(ControllerError) -> (total: Int, authorized: Int)
    /// Like `updateNetwork`, for a member; the IP index is kept in step, and an address another member holds is
    /// refused (no duplicate assignment, ever).
    func updateMember(
        _ network: NetworkID, _ address: Address, create: Bool, now: Int64, _ change: MemberChange
    ) throws(ControllerError) -> ControllerMember?
    func deleteMember(_ network: NetworkID, _ address: Address) throws(ControllerError) -> ControllerMember?
    /// Which member holds `ip` on `network`, if any.
    func ipOwner(_ network: NetworkID, _ ip: IPAddress) throws(ControllerError) -> Address?
    /// Bulk insert for imports and benchmarks (existing members are replaced).
    func insertMembers(_ members: [ControllerMember]) throws(ControllerError)

    /// Called when another process sharing the database changed a network or member (PostgreSQL); the controller
    /// then pushes configs. Stores without other writers never call it.
    var externalChange: ((NetworkID, Address?) -> Void)? { get set }
}

extension ControllerStore {
    public func members(_ network: NetworkID) throws(ControllerError) -> [ControllerMember] {
        try members(network, offset: 0, limit: .max)
    }
}

/// Changes a member inside the store's transaction. `ipTaken` says whether another member holds an address, read
/// in the same transaction, so that pool assignment can never hand out a duplicate.
public typealias MemberChange = (inout ControllerMember, _ ipTaken: (IPAddress) throws(ControllerError) -> Bool)
    throws(ControllerError) -> Void

/// The part of revision handling both stores share: apply, compare ignoring the revision, bump if changed.
enum Revisions {
    static func apply<T: Equatable>(
        _ record: T, revision: WritableKeyPath<T, Int64>, _ change: (inout T) throws(ControllerError) -> Void
    ) throws(ControllerError) -> (T, changed: Bool) {
        var updated = record
        try change(&updated)
        return finish(record, updated, revision: revision)
    }

    static func finish<T: Equatable>(_ record: T, _ updated: T, revision: WritableKeyPath<T, Int64>) -> (T, changed: Bool) {
        var updated = updated
        var comparable = updated
        comparable[keyPath: revision] = record[keyPath: revision]
        guard comparable != record else { return (record, false) }
        updated[keyPath: revision] = record[keyPath: revision] + 1
        return (updated, true)
    }
}
