import Foundation
import SixplaneCore

/// Identities for synthetic peers, kept in a file (one `address:0:public:secret` line each) because making one costs
/// about 15 memory-hard hashes (~70 ms): 100,000 take an hour of a core, so they are made once and reused. The file
/// only ever grows by whole lines, so an interrupted run keeps what it made.
public enum SyntheticIdentities {
    /// The cache the load benchmark uses unless told otherwise (outside /tmp, which a reboot empties).
    public static let defaultFile = "/var/tmp/sixplane-load-identities"

    /// The first `count` identities of `path`, making (on every core) and appending what is missing; `progress` is
    /// told how many exist after each batch. Lines that do not parse are skipped: a damaged line costs one identity.
    public static func load(_ path: String, count: Int, progress: (Int) -> Void = { _ in }) throws(LabError) -> [Identity] {
        var identities = read(path, limit: count)
        guard identities.count < count else { return identities }
        // O_APPEND: whole lines from two makers at once still land whole.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LabError("cannot write \(path) (errno \(errno))") }
        let out = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        while identities.count < count {
            let batch = min(count - identities.count, threads * 16)
            let made = generate(batch, threads: threads)
            let text = made.map { $0.secretDescription + "\n" }.joined()
            do { try out.write(contentsOf: Array(text.utf8)) } catch { throw LabError("cannot append to \(path): \(error)") }
            identities += made
            progress(identities.count)
        }
        return identities
    }

    static func read(_ path: String, limit: Int) -> [Identity] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var out: [Identity] = []
        out.reserveCapacity(limit)
        for line in text.split(separator: "\n") where out.count < limit {
            if let id = try? Identity(parsing: line), id.hasSecret { out.append(id) }
        }
        return out
    }

    /// `count` new identities made on `threads` threads.
    static func generate(_ count: Int, threads: Int) -> [Identity] {
        let results = Results(count: count)
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var rng = SystemRandomNumberGenerator()
            for i in stride(from: t, to: count, by: threads) { results.set(i, Identity.generate(using: &rng)) }
        }
        return results.all
    }

    private final class Results: @unchecked Sendable {
        // @unchecked: each slot is written by one thread, and read after concurrentPerform has joined them all (a
        // buffer, not an Array property, so that the writes are not one exclusive access to the whole array).
        private let slots: UnsafeMutableBufferPointer<Identity?>
        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil)
        }
        deinit { slots.deinitialize().deallocate() }
        func set(_ i: Int, _ id: Identity) { slots[i] = id }
        var all: [Identity] { slots.compactMap { $0 } }
    }
}
