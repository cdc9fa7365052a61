import SixplaneController

/// How a daemon's controller starts. A PostgreSQL database is opened at once: a controller was asked for. The
/// SQLite file is opened at once only if it holds a network; otherwise opening it waits for the first use
/// (`DeferredController`), so that a node that controls nothing carries none of it.
enum ControllerStartup {
    /// This node runs no controller (controller routes answer 404).
    case none
    case running(ControllerStore)
    /// `exists` says whether the database may hold networks; `open` opens (and if need be creates) it.
    case deferred(exists: @Sendable () -> Bool, open: DeferredController.Opener)

    static func decide(home: String, url: String?) throws(ControllerError) -> ControllerStartup {
        if let url, !url.isEmpty { return .running(try ControllerDatabase.open(home: home, url: url)) }
        let path = ControllerDatabase.sqlitePath(home: home)
        let deferred = ControllerStartup.deferred(exists: { FileIO.exists(path) }, open: { () throws(ControllerError) in try ControllerDatabase.open(home: home, url: nil) })
        guard FileIO.exists(path) else { return deferred }
        let store = try ControllerDatabase.open(home: home, url: nil)
        // A database that cannot list its networks is opened as before, so that its errors show where they did.
        guard let ids = try? store.networkIDs(), ids.isEmpty else { return .running(store) }
        return deferred
    }
}
