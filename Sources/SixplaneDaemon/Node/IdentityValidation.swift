import Dispatch
import Foundation
import SixplaneCore

/// New peers' identities, validated off the node's loop with their CPU time counted.
extension DaemonNode {
    /// Validates on `validationQueue` and hands the verdict back to the node on its loop, with the CPU time it took.
    public func validateLater(_ identity: Identity) -> Bool {
        let loop = self.loop, validator = self.validator, validationQueue = self.validationQueue
        validationQueue.async { [weak self] in
            let started = Self.threadCPUNanoseconds()
            let valid = validator.isValid(identity)
            let spent = Self.threadCPUNanoseconds() - started
            validationQueue.asyncAfter(deadline: .now() + IdentityValidator.keepScratch, execute: validator.releaseWhenIdle())
            guard let daemon = self else { return }
            loop.execute {
                guard !daemon.isStopped else { return }
                daemon.counters.identityValidations += 1
                daemon.counters.identityValidationNanoseconds += spent
                daemon.node.identityChecked(identity, valid: valid, now: Self.now())
            }
        }
        return true
    }

    /// CPU time of the calling thread.
    static func threadCPUNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Validations per second that fit in `share` of a core, from timing one on this machine (the node's budget
    /// for strangers' identities).
    public static func validationBudget(share: Double = 0.2, probe: Identity) -> Int {
        let started = threadCPUNanoseconds()
        _ = probe.publicOnly.isValid
        let seconds = Double(max(1, threadCPUNanoseconds() - started)) / 1e9
        return max(2, min(1000, Int(share / seconds)))
    }
}

/// The memory-hard hash's 2 MiB for every validation, mapped while strangers keep coming and unmapped once they
/// stop: a fresh 2 MiB per stranger would cost a mapping each, and one kept for good would be half of an idle daemon's
/// own memory. Mapped, not allocated, so that it leaves the process when released (`MemoryHardScratch`).
final class IdentityValidator: @unchecked Sendable {
    // @unchecked: used only on DaemonNode.validationQueue, a serial queue, so the scratch and the count are never
    // shared.
    private var scratch: MemoryHardScratch?
    private var validations = 0

    /// How long the scratch stays mapped after the last validation.
    static let keepScratch: DispatchTimeInterval = .seconds(10)

    deinit { release() }

    var isMapped: Bool { scratch != nil }

    func isValid(_ identity: Identity) -> Bool {
        validations += 1
        let scratch = self.scratch ?? MemoryHardScratch()
        self.scratch = scratch
        return (try? identity.validate(scratch: scratch.buffer)) != nil
    }

    /// A closure that, run later on the same queue, releases the scratch if no validation came in between.
    func releaseWhenIdle() -> @Sendable () -> Void {
        let seen = validations
        return { [weak self] in
            guard let self, self.validations == seen else { return }
            self.release()
        }
    }

    func release() {
        scratch?.release()
        scratch = nil
    }
}
