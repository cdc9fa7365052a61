import Foundation
import Logging
import SixplaneCore

/// Applies managed addresses and routes to tap devices with iproute2, on a queue of its own (never the node's).
/// Each sync is idempotent (`replace`), removes what is no longer wanted, and is repeated every 30 s, so a failure is
/// logged and retried, never fatal.
public final class NetworkConfigurator: @unchecked Sendable {
    private let queue = DispatchQueue(label: "sixplane.netconf")
    private var applied: [String: ManagedPlan] = [:]
    private var wanted: [String: ManagedPlan] = [:]
    private let logger = Logger(label: "sixplane.netconf")
    public init() {}

    /// Makes `tap` carry exactly `plan`.
    public func apply(_ plan: ManagedPlan, to tap: String) {
        queue.async {
            self.wanted[tap] = plan
            self.sync(tap)
        }
    }

    /// Forgets a tap that is gone (its addresses and routes went with it).
    public func forget(_ tap: String) {
        queue.async {
            self.wanted[tap] = nil
            self.applied[tap] = nil
        }
    }

    /// Re-applies every tap's plan (the periodic re-sync).
    public func resync() {
        queue.async { for tap in self.wanted.keys.sorted() { self.sync(tap) } }
    }

    /// Waits until everything queued so far is done (tests, shutdown).
    public func drain() { queue.sync {} }

    private func sync(_ tap: String) {
        guard let plan = wanted[tap] else { return }
        let old = applied[tap] ?? ManagedPlan()
        var ok = true
        for a in old.addresses where !plan.addresses.contains(a) {
            ok = run(["addr", "del", a.description, "dev", tap]) && ok
        }
        for r in old.routes where !plan.routes.contains(r) {
            _ = run(["route", "del", r.target.description, "dev", tap])
        }
        for a in plan.addresses {
            var args = ["addr", "replace", a.description, "dev", tap]
            // Nobody else can hold a member's managed addresses: skip duplicate detection (it delays them ~2 s).
            if case .v6 = a.address { args.append("nodad") } else { args += ["broadcast", "+"] }
            ok = run(args) && ok
        }
        for r in plan.routes {
            var args = ["route", "replace", r.target.description, "dev", tap, "proto", "static"]
            if let via = r.via { args += ["via", via.description, "metric", "5000"] }
            ok = run(args) && ok
        }
        applied[tap] = plan
        if ok { logger.debug("\(tap): \(plan.addresses.count) address(es), \(plan.routes.count) route(s)") }
    }

    private func run(_ args: [String]) -> Bool {
        let r = Spawn.run(["ip"] + args)
        if r.status != 0 {
            logger.warning("ip \(args.joined(separator: " ")) failed (\(r.status)): \(r.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return r.status == 0
    }
}
