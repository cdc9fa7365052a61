import Foundation
import SixplaneCore

/// Joining and leaving networks for the API (on the loop), persisted in `networks.d`.
extension DaemonNode {
    /// Joins (or re-applies the settings of) a network; persists the join.
    public func join(_ id: NetworkID, settings newSettings: LocalNetworkSettings?) throws(DaemonError) {
        if node.networks[id] == nil {
            if !FileIO.exists(home.configPath(id)) { try FileIO.write(home.configPath(id), [0x0a]) }
            node.join(id, now: Self.now())
        }
        let s = newSettings ?? settings[id] ?? home.localSettings(id)
        settings[id] = s
        try home.writeLocalSettings(s, id)
        if let network = node.networks[id], let tap = taps[id], let config = network.config, network.status == .ok {
            netconf.apply(ManagedPlan(config: config, settings: s), to: tap.name)
            applyResolver(id, config: config, settings: s)
        }
    }

    /// Leaves a network: tap removed, files deleted. False if it was not joined.
    public func leave(_ id: NetworkID) -> Bool {
        guard node.networks[id] != nil else { return false }
        node.leave(id)
        removeTap(id)
        settings[id] = nil
        // A left network must not come back after a power cut.
        try? FileIO.remove(home.configPath(id))
        try? FileIO.remove(home.localSettingsPath(id))
        return true
    }
}
