import Foundation
import SixplaneCore
import Testing

@testable import SixplaneDaemon

/// `peers.d` is written as peers come and go; it must stay bounded however many there were.
@Suite struct PeerCacheTests {
    static func folder() -> String {
        let path = "/tmp/sixplane-peercache-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func thousandsOfPeersLeaveAtMostTheCapacity() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = PeerCache(directory: dir, capacity: 200)
        for n in 0..<2_000 { try cache.store(Address(truncating: 0x10_0000_0000 + UInt64(n)), [1, 2, 3]) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".peer") }
        #expect(files.count <= 200 && cache.count == files.count)
        // The newest are kept; a file is read only when asked for.
        #expect(cache.load(Address(truncating: 0x10_0000_0000 + 1999)) == [1, 2, 3])
        #expect(cache.load(Address(truncating: 0x99_0000_0000)) == nil)
        try cache.store(Address(truncating: 0x10_0000_0000 + 1999), nil)
        #expect(cache.load(Address(truncating: 0x10_0000_0000 + 1999)) == nil)
    }

    @Test func filesPastTheirAgeGoAtStart() throws {
        let dir = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for n in 0..<10 { try FileIO.write("\(dir)/\(Address(truncating: 0x20_0000_0000 + UInt64(n))).peer", [7]) }
        var old = timespec(tv_sec: 1_000_000, tv_nsec: 0)
        var times = [old, old]
        utimensat(AT_FDCWD, "\(dir)/\(Address(truncating: 0x20_0000_0000)).peer", &times, 0)
        _ = old
        let cache = PeerCache(directory: dir, capacity: 100)
        #expect(cache.count == 9)
        #expect(cache.load(Address(truncating: 0x20_0000_0000)) == nil)
    }
}

/// Found by the networks-d fuzz target: a whitelist of one short prefix was written as 4 characters and read back
/// as a boolean.
@Suite struct LocalSettingsRoundTripTests {
    @Test(arguments: [["::/7"], ["::/0"], ["10.0.0.0/8"], ["fc00::/7", "10.1.0.0/16"]])
    func aWhitelistReadsBackAsAWhitelist(_ prefixes: [String]) throws {
        var s = LocalNetworkSettings()
        s.managedWhitelist = try prefixes.map { try IPPrefix(parsing: $0) }
        #expect(LocalNetworkSettings(text: s.text) == s, "\(s.text)")
    }

    /// Also found by it: a whitelist followed by allowManaged=0 left both set.
    @Test func theLastAllowManagedLineWins() {
        let s = LocalNetworkSettings(text: "allowManaged=10.0.0.0/8,fc00::/7\nallowManaged=0\n")
        #expect(!s.allowManaged && s.managedWhitelist.isEmpty)
        #expect(LocalNetworkSettings(text: s.text) == s)
    }
}
