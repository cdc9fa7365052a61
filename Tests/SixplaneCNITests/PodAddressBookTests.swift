import Foundation
import SixplaneCNI
import Testing

/// The pod addresses on disk: one per attachment, never two holders for one address, freed on release and GC, a
/// released address not given again before the rest of the range, all of it safe across processes.
@Suite struct PodAddressBookTests {
    static func book(poolSize: Int = 8) -> (PodAddressBook, String) {
        let dir = NSTemporaryDirectory() + "pod-book-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        return (PodAddressBook(dataDir: dir, network: "net", poolSize: poolSize), dir)
    }
    static func holder(_ n: Int, _ ifname: String = "eth0") -> PodAddressBook.Holder { .init(containerID: "c\(n)", ifname: ifname) }

    @Test func oneAddressPerAttachmentAndTheCursorMovesOn() throws {
        let (book, dir) = Self.book()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try book.allocate(for: Self.holder(1)), again = try book.allocate(for: Self.holder(1))
        let b = try book.allocate(for: Self.holder(2)), other = try book.allocate(for: Self.holder(1, "net1"))
        #expect(a == 1 && again == 1 && b == 2 && other == 3)
        #expect(try book.release(Self.holder(1)) == 1)
        #expect(try book.release(Self.holder(1)) == nil, "DEL twice")
        // 1 is free again, but the next ones come first.
        #expect(try book.allocate(for: Self.holder(4)) == 4)
        // Survives a new instance (a new plugin process).
        let reopened = PodAddressBook(dataDir: dir, network: "net", poolSize: 8)
        #expect(try reopened.held() == [2: Self.holder(2), 3: Self.holder(1, "net1"), 4: Self.holder(4)])
    }

    /// The pod's name (K8S_POD_NAME, else the short container id) and address follow the holder in its file, for
    /// the daemon's DNS; the holder still reads back the same.
    @Test func podNameAndAddressFollowTheHolder() throws {
        let (book, dir) = Self.book()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var env = ["CNI_COMMAND": "ADD", "CNI_CONTAINERID": "0123456789abcdef0123", "CNI_IFNAME": "eth0", "CNI_NETNS": "/run/netns/x"]
        #expect(try CNIInvocation(environment: env).podName == "0123456789ab")
        env["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=web;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=0123"
        let invocation = try CNIInvocation(environment: env)
        #expect(invocation.podName == "web")
        let index = try book.allocate(for: Self.holder(1)) { (invocation.podName, "fc00::1:0:\($0)") }
        let text = try String(contentsOfFile: "\(dir)/net/\(index)", encoding: .utf8)
        #expect(text == "c1\neth0\nweb\nfc00::1:0:1\n")
        #expect(try book.held() == [1: Self.holder(1)])
    }

    @Test func aFullRangeIsRefusedAndWrapsAroundWhenFreed() throws {
        let (book, dir) = Self.book(poolSize: 3)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for n in 1...3 { #expect(try book.allocate(for: Self.holder(n)) == n) }
        #expect(throws: CNIError.self) { try book.allocate(for: Self.holder(9)) }
        do { _ = try book.allocate(for: Self.holder(9)) } catch { #expect(error.code == 100) }
        try book.release(Self.holder(2))
        #expect(try book.allocate(for: Self.holder(9)) == 2)
    }

    @Test func garbageCollectionKeepsOnlyValidAttachments() throws {
        let (book, dir) = Self.book()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for n in 1...5 { _ = try book.allocate(for: Self.holder(n)) }
        let freed = try book.collect(keeping: [Self.holder(2), Self.holder(4)])
        #expect(freed.map(\.holder) == [Self.holder(1), Self.holder(3), Self.holder(5)])
        #expect(Set(try book.held().values) == [Self.holder(2), Self.holder(4)])
    }

    @Test func concurrentAllocationsNeverShareAnAddress() throws {
        let (book, dir) = Self.book(poolSize: 1000)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 200) { n in
            // A book per caller, as separate plugin processes would have: only the lock file is shared.
            let mine = PodAddressBook(dataDir: dir, network: "net", poolSize: 1000)
            if let index = try? mine.allocate(for: Self.holder(n)) { results.add(index) }
        }
        #expect(results.all.count == 200 && Set(results.all).count == 200)
        #expect(try book.held().count == 200)
    }
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ v: Int) { lock.withLock { values.append(v) } }
    var all: [Int] { lock.withLock { values } }
}
