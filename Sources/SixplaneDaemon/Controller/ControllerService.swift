import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SixplaneController
import SixplaneCore
import SixplaneJSON

/// The controller on a queue of its own: config requests, API calls and ticks run there, in order, so that its
/// database calls (each bounded by the store's timeouts) never hold the node's loop, where members' frames are
/// forwarded. Answers hop back to the node through `NodeLink`.
///
/// The node hands requests over through `NetworkControllerHook` on its loop; they queue here, bounded. API calls get
/// an answer within `apiDeadline` whatever the database does: 503 when it could not be had in time.
final class ControllerService: NetworkControllerHook, @unchecked Sendable {
    // @unchecked: `controller` and `api` are used only on `queue`; the rest is locked or immutable.
    let controller: Controller
    private let api: ControllerAPI
    private let link: NodeLink
    /// A serial queue, not an event loop: the stores block their caller (PostgreSQL waits on its own event loop's
    /// futures, which NIO forbids on another event loop).
    let queue = DispatchQueue(label: "sixplane.controller")
    /// Where API deadlines are kept: a loop the database never blocks (the node's).
    private let timerLoop: any EventLoop
    private let state = NIOLockedValueBox(State())
    private var ticking: (any DispatchSourceTimer)?
    /// Networks whose DNS directory this controller keeps, as they were when it was filled (on `queue`).
    var directoryNetworks: [NetworkID: ControllerNetwork] = [:]

    /// At most this many config requests wait; more are dropped (the members ask again).
    static let requestQueueLimit = 4096
    /// A request that waited this long is dropped: its member has asked again by then.
    static let requestMaxAge: Int64 = 5_000
    /// At most this many API calls wait.
    static let apiQueueLimit = 256
    /// The API's answer comes within this, 503 if the controller could not give one.
    static let apiDeadline = TimeAmount.milliseconds(2500)

    struct State {
        var queuedRequests = 0
        var queuedCalls = 0
        var counters = ControllerCounters()
    }

    init(controller: Controller, daemon: DaemonNode) {
        self.controller = controller
        api = ControllerAPI(controller: controller)
        link = NodeLink(daemon: daemon)
        timerLoop = daemon.loop
        controller.link = link
    }

    /// Starts the once-a-second tick, and ticks at once when another process changed the database.
    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
        ticking = timer
        controller.store.observeExternalChanges { [weak self] in
            guard let self else { return }
            self.queue.async { self.tick() }
        }
    }

    /// On `queue`.
    private func tick() {
        controller.tick(now: DaemonNode.now())
        publish()
    }

    /// Stops ticking and lets the work already queued finish.
    func shutdownNow() {
        ticking?.cancel()
        queue.sync {}
    }

    /// The same, from async code.
    func shutdown() async {
        ticking?.cancel()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in queue.async { done.resume() } }
    }

    /// Requests dropped before this service ran (its database was being opened), so that the count never goes back.
    func noteDropped(_ count: Int) {
        state.withLockedValue { $0.counters.dropped += count }
    }

    /// What the metrics show, copied after every piece of work (the node's loop never reads the controller).
    var counters: ControllerCounters { state.withLockedValue { $0.counters } }

    private func publish() {
        let c = controller
        state.withLockedValue { s in
            (s.counters.answered, s.counters.refused, s.counters.failures) = (c.answered, c.refused, c.failures)
            (s.counters.reused, s.counters.rateLimited) = (c.reused, c.rateLimited)
        }
    }

    /// Takes a place in a bounded queue (`queued` counts the waiting), or says there is none.
    private func admit(_ queued: WritableKeyPath<State, Int>, limit: Int, dropping: Bool) -> Bool {
        state.withLockedValue { s in
            guard s[keyPath: queued] < limit else {
                if dropping { s.counters.dropped += 1 }
                return false
            }
            s[keyPath: queued] += 1
            return true
        }
    }

    // MARK: Config requests (called on the node's loop)

    func handleConfigRequest(
        node: Node, network: NetworkID, from requester: Identity, metadata: ConfigDictionary, requestPacketID: UInt64,
        now: Int64
    ) {
        guard admit(\.queuedRequests, limit: Self.requestQueueLimit, dropping: true) else { return }
        queue.async { [self] in
            state.withLockedValue { $0.queuedRequests -= 1 }
            let started = DaemonNode.now()
            guard started - now <= Self.requestMaxAge else {
                state.withLockedValue { $0.counters.dropped += 1 }
                return
            }
            controller.handleConfigRequest(network: network, from: requester, metadata: metadata, requestPacketID: requestPacketID, now: started)
            publish()
        }
    }

    // MARK: API

    /// Runs an API call on the controller's thread; 503 if it has not answered within `apiDeadline`. A call still
    /// waiting at the deadline never runs; one already running finishes (POSTs are idempotent: a client that got 503
    /// may send it again).
    func handle(_ request: ControllerAPI.Request) -> EventLoopFuture<ControllerAPI.Response> {
        let promise = timerLoop.makePromise(of: ControllerAPI.Response.self)
        guard admit(\.queuedCalls, limit: Self.apiQueueLimit, dropping: false) else {
            promise.succeed(Self.unavailable("the controller is busy; retry shortly"))
            return promise.futureResult
        }
        let call = NIOLockedValueBox(Call.waiting)
        let timer = timerLoop.scheduleTask(in: Self.apiDeadline) {
            call.withLockedValue { $0 = .abandoned }
            promise.succeed(Self.unavailable("the controller's database did not answer in time; retry shortly"))
        }
        queue.async { [self] in
            state.withLockedValue { $0.queuedCalls -= 1 }
            let run = call.withLockedValue { c in
                guard c == .waiting else { return false }
                c = .running
                return true
            }
            guard run else { return }
            let response = api.handle(request, now: DaemonNode.now())
            publish()
            timer.cancel()
            // Past the deadline the client already has its 503; this completion is then ignored.
            promise.succeed(response)
        }
        return promise.futureResult
    }

    enum Call { case waiting, running, abandoned }

    static func unavailable(_ message: String) -> ControllerAPI.Response {
        ControllerAPI.Response(status: 503, body: JSON.object(["error": .string(message)]).text)
    }
}

/// The controller's counts, as the metrics page shows them.
struct ControllerCounters: Sendable {
    var answered = 0
    var refused = 0
    var failures = 0
    var reused = 0
    var rateLimited = 0
    /// Requests dropped before the controller saw them (queue full, or waited too long).
    var dropped = 0
}
