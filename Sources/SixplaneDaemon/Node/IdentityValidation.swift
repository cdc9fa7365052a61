import Dispatch
import Foundation
import SixplaneCore

/// New peers' identities, validated off the node's loop with their CPU time counted.
extension DaemonNode {
    /// Validates on `validationQueue` and hands the verdict back to the node on its loop, with the CPU time it took.
    public func validateLater(_ identity: Identity) -> Bool {
        let loop = self.loop, validator = self.validator
        validationQueue.async { [weak self] in
            let started = Self.threadCPUNanoseconds()
            let valid = validator.isValid(identity)
            let spent = Self.threadCPUNanoseconds() - started
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

/// The memory-hard hash's 2 MiB, allocated once for every validation (a fresh 2 MiB per stranger would leave the
/// allocator holding far more than that after a flood).
final class IdentityValidator: @unchecked Sendable {
    // @unchecked: used only on DaemonNode.validationQueue, a serial queue, so the buffer is never shared.
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: MemoryHardHash.memorySize, alignment: 64)

    deinit { scratch.deallocate() }

    func isValid(_ identity: Identity) -> Bool { (try? identity.validate(scratch: scratch)) != nil }
}
