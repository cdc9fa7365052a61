/// When an unconfirmed address was last probed with HELLO: at most once a second per address, however many packets
/// arrive on it, in a table of at most `capacity` addresses (when full, entries older than the interval go; if all
/// are fresh, no new address is probed until they age).
struct PathProber {
    let capacity: Int
    private var probes: [InetAddress: Int64] = [:]

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { probes.count }

    /// Whether to probe `address` now (and if so, notes it).
    mutating func shouldProbe(_ address: InetAddress, now: Int64) -> Bool {
        if let last = probes[address], now - last < Timers.helloProbe { return false }
        if probes[address] == nil, probes.count >= capacity {
            probes = probes.filter { now - $0.value < Timers.helloProbe }
            guard probes.count < capacity else { return false }
        }
        probes[address] = now
        return true
    }

    /// Notes a probe made for another reason (a cached peer's last address).
    mutating func note(_ address: InetAddress, now: Int64) {
        if probes[address] != nil || probes.count < capacity { probes[address] = now }
    }

    mutating func expire(now: Int64) {
        probes = probes.filter { now - $0.value < Timers.helloProbe }
    }
}
