import Foundation
import SixplaneCore

extension DaemonNode {
    public func deliver(network: NetworkID, source: MAC, destination: MAC, etherType: UInt16, payload: UnsafeRawBufferPointer) {
        taps[network]?.write(source: source, destination: destination, etherType: etherType, payload: payload)
    }

    /// The node's burst is over: every tap writes what it held (merged TCP segments).
    public func endOfBurst() {
        for tap in taps.values { tap.flush() }
    }

    public func networkChanged(_ state: NetworkState) {
        let id = state.network
        guard state.joined, state.status != .accessDenied, state.status != .notFound else {
            removeTap(id)
            return
        }
        guard state.status == .ok, let config = state.config else { return }
        let tap: TapDevice
        if let existing = taps[id] {
            tap = existing
            tap.setMTU(Int(config.mtu))
        } else {
            let name = interfaceNames[id] ?? TapName.free(for: id) { FileIO.exists("/proc/sys/net/ipv4/conf/\($0)") }
            do {
                tap = try TapDevice(name: name, network: id, mac: state.mac, mtu: Int(config.mtu))
            } catch {
                logger.error("\(error)", metadata: ["network": "\(id)"])
                return
            }
            taps[id] = tap
            let loop = self.loop
            tap.start { [weak self] frames in
                guard let self else { return }
                loop.execute { self.framesFromTap(frames, network: id) }
            }
            logger.info("network \(id): tap \(name) up")
        }
        let settings = settings[id] ?? LocalNetworkSettings()
        netconf.apply(ManagedPlan(config: config, settings: settings), to: tap.name)
        updateDNS(id, config: config)
        applyResolver(id, config: config, settings: settings)
    }

    /// One read of the tap's frames: one burst (`Node.receive(frames:)`).
    private func framesFromTap(_ frames: [EthernetFrame], network: NetworkID) {
        guard !isStopped else { return }
        node.receive(frames: frames, network: network, now: Self.now())
    }

    func removeTap(_ id: NetworkID) {
        guard let tap = taps.removeValue(forKey: id) else { return }
        updateDNS(id, config: nil)
        resolver.set(id, tap: tap.name, nil)
        netconf.forget(tap.name)
        tap.close()
        logger.info("network \(id): tap \(tap.name) removed")
    }

    public func tapName(_ id: NetworkID) -> String? { taps[id]?.name }
}
