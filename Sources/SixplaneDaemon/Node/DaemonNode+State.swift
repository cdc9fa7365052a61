import Foundation
import SixplaneCore

/// What the node keeps on disk: the planet, moons, peers (bounded, in `peers.d`), network configs.
extension DaemonNode {
    public func store(_ object: StateObject, data: [UInt8]?) {
        let path: String
        switch object {
        case .planet: path = home.planetPath
        case .moon(let id): path = home.moonPath(id)
        case .peer(let a):
            do { try peerCache.store(a, data) } catch { logger.warning("cannot store peer \(a): \(error)") }
            return
        case .networkConfig(let id): path = home.configPath(id)
        }
        do {
            if let data { try FileIO.write(path, data) } else { try FileIO.remove(path) }
        } catch {
            logger.warning("cannot store \(path): \(error)")
        }
    }

    public func load(_ object: StateObject) -> [UInt8]? {
        guard case .peer(let a) = object else { return nil }
        return peerCache.load(a)
    }
}
