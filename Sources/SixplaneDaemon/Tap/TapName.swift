import SixplaneCore

/// ZeroTier's tap device names: `zt` + the base32 of 40 bits of (nwid ^ nwid >> 24) + trial, trial counting up past
/// names already in use (protocol-network.md §9.4).
public enum TapName {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    public static func name(for network: NetworkID, trial: UInt64 = 0) -> String {
        let x = ((network.rawValue ^ (network.rawValue >> 24)) &+ trial) & 0xff_ffff_ffff
        var out = "zt"
        for i in stride(from: 35, through: 0, by: -5) {
            out.unicodeScalars.append(Unicode.Scalar(alphabet[Int((x >> UInt64(i)) & 31)]))
        }
        return out
    }

    /// The first name of the sequence that no interface has (`inUse` says whether one does).
    public static func free(for network: NetworkID, inUse: (String) -> Bool) -> String {
        var trial: UInt64 = 0
        while inUse(name(for: network, trial: trial)) && trial < 1000 { trial += 1 }
        return name(for: network, trial: trial)
    }
}
