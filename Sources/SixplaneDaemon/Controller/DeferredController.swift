import Dispatch
import NIOCore
import SixplaneController
import SixplaneCore

/// The controller of a node that controls no network yet: its database stays closed (SQLite's code, its cache and
/// the controller's once-a-second tick cost an idle daemon about 1.2 MB) until the first thing that needs it: an
/// authorized controller API call, or a member asking for a config while the database file exists (another process,
/// `sixplane controller import`, may have put the network there). It is opened on a thread of its own, never on the
/// node's loop; the member's request is dropped meanwhile and answered when it asks again. With no database file
/// there is no network to answer for, and the member is told so, as an empty controller tells it.
final class DeferredController: NetworkControllerHook, @unchecked Sendable {
    // @unchecked: `opening` is used only on the daemon's loop; `open` is immutable.
    typealias Opener = @Sendable () throws(ControllerError) -> ControllerStore

    private let open: Opener
    private let exists: @Sendable () -> Bool
    private let queue = DispatchQueue(label: "sixplane.controller-open")
    private weak var daemon: DaemonNode?
    /// The opening under way (on the loop), so that calls meanwhile wait for the same one.
    private var opening: EventLoopFuture<ControllerService>?
    /// Config requests dropped because the database was still being opened.
    private(set) var requestsDropped = 0
    /// What the metrics show until the controller runs: nothing answered, the drops above.
    var counters: ControllerCounters { ControllerCounters(dropped: requestsDropped) }

    init(daemon: DaemonNode, exists: @escaping @Sendable () -> Bool, open: @escaping Opener) {
        self.daemon = daemon
        self.exists = exists
        self.open = open
    }

    /// On the daemon's loop: the controller, opened now unless it is being opened. A failure is not kept: the next
    /// call tries again (the disk may have been full, the folder unwritable).
    func service() -> EventLoopFuture<ControllerService> {
        guard let daemon else { preconditionFailure("the daemon outlives its controller") }
        daemon.loop.preconditionInEventLoop()
        if let opening { return opening }
        let promise = daemon.loop.makePromise(of: ControllerService.self)
        let open = self.open
        queue.async {
            let opened: Result<ControllerStore, ControllerError>
            do throws(ControllerError) { opened = .success(try open()) } catch { opened = .failure(error) }
            daemon.loop.execute {
                switch opened {
                case .success where daemon.isStopped: promise.fail(ControllerError(.unavailable, "the node is shutting down"))
                case .success(let store): promise.succeed(daemon.install(Controller(identity: daemon.identity, store: store)))
                case .failure(let error): promise.fail(error)
                }
            }
        }
        opening = promise.futureResult
        promise.futureResult.whenComplete { [weak self] _ in self?.opening = nil }
        return promise.futureResult
    }

    func handleConfigRequest(
        node: Node, network: NetworkID, from requester: Identity, metadata: ConfigDictionary, requestPacketID: UInt64,
        now: Int64
    ) {
        guard exists() else {
            node.sendNetworkConfigError(network: network, to: requester.address, code: .objectNotFound, requestPacketID: requestPacketID, now: now)
            return
        }
        requestsDropped += 1
        _ = service()
    }
}
