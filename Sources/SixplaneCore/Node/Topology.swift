/// The peers a node knows and the worlds (planet, moons) that name its roots.
public struct Topology {
    public private(set) var planet: World
    public private(set) var moons: [World]
    public internal(set) var peers: [Address: Peer] = [:]
    /// Roots of all worlds, with their stable endpoints.
    public private(set) var roots: [Address: [InetAddress]] = [:]
    var rootIdentities: [Address: Identity] = [:]
    /// Moons asked for by `orbit <id> <seed>` and not yet received: id → the seed that will send it.
    public private(set) var moonSeeds: [UInt64: Address] = [:] { didSet { rebuildUpstreams() } }
    /// Roots of our worlds and seeds of moons we wait for: the peers whose world updates we take.
    private var upstreams: Set<Address> = []
    /// When a RENDEZVOUS was last sent for a pair of peers (smaller address first).
    var lastUnite: [UInt128: Int64] = [:]

    init(planet: World, moons: [World]) {
        self.planet = planet
        self.moons = moons
        rebuildRoots()
    }

    private mutating func rebuildRoots() {
        roots = [:]
        rootIdentities = [:]
        for world in [planet] + moons {
            for root in world.roots {
                roots[root.identity.address, default: []] += root.endpoints
                rootIdentities[root.identity.address] = root.identity
            }
        }
        rebuildUpstreams()
    }

    private mutating func rebuildUpstreams() {
        upstreams = Set(roots.keys).union(moonSeeds.values)
    }

    /// Roots of our worlds, and seeds of moons we wait for (their world updates are wanted too).
    public func isUpstream(_ address: Address) -> Bool { upstreams.contains(address) }

    /// Applies a world `sender` sent if it may replace what we have (same id, newer, signed by the current key), or
    /// if it is the first copy of a moon we asked `sender`, its seed, for (taken if the seed is one of its roots).
    mutating func update(with world: World, from sender: Address) -> Bool {
        if world.kind == .moon, moonSeeds[world.id] == sender {
            guard world.roots.contains(where: { $0.identity.address == sender }) else { return false }
            addMoon(world)
            return true
        }
        if world.kind == .planet {
            guard planet.shouldBeReplaced(by: world) else { return false }
            planet = world
        } else {
            guard let i = moons.firstIndex(where: { $0.id == world.id }), moons[i].shouldBeReplaced(by: world) else {
                return false
            }
            moons[i] = world
        }
        rebuildRoots()
        return true
    }

    mutating func addMoon(_ world: World) {
        moonSeeds[world.id] = nil
        moons.removeAll { $0.id == world.id }
        moons.append(world)
        rebuildRoots()
    }

    mutating func addMoonSeed(_ id: UInt64, seed: Address) {
        moonSeeds[id] = seed
    }

    mutating func removeMoon(_ id: UInt64) {
        moonSeeds[id] = nil
        moons.removeAll { $0.id == id }
        rebuildRoots()
    }

    /// The root with a live path and the lowest latency, or any root peer we know.
    func bestRoot(_ now: Int64, excluding: Address? = nil) -> Peer? {
        let candidates = roots.keys.compactMap { peers[$0] }.filter { $0.address != excluding }
        return candidates.min { a, b in
            let aa = a.hasAlivePath(now), ba = b.hasAlivePath(now)
            if aa != ba { return aa }
            let la = a.latency ?? 10_000, lb = b.latency ?? 10_000
            return la != lb ? la < lb : a.address < b.address
        }
    }

    /// Notes an introduction (RENDEZVOUS) of two peers; false if they were introduced less than `interval` ago,
    /// or the table is full of recent ones.
    mutating func introduce(_ a: Address, _ b: Address, interval: Int64, capacity: Int, now: Int64) -> Bool {
        let key = Self.pairKey(a, b)
        if let last = lastUnite[key], now - last < interval { return false }
        if lastUnite[key] == nil, lastUnite.count >= capacity {
            forgetIntroductions(olderThan: interval, now: now)
            guard lastUnite.count < capacity else { return false }
        }
        lastUnite[key] = now
        return true
    }

    mutating func forgetIntroductions(olderThan age: Int64, now: Int64) {
        lastUnite = lastUnite.filter { now - $0.value <= age }
    }

    static func pairKey(_ a: Address, _ b: Address) -> UInt128 {
        let (x, y) = a < b ? (a, b) : (b, a)
        return UInt128(x.rawValue) << 64 | UInt128(y.rawValue)
    }
}
