import SixplaneCore

/// Picks ids for new networks of a controller: the controller's address followed by a random 24-bit number.
///
/// The number is never 0 (ZeroTier's controller never issues `…000000`, which some tools treat as "no network").
public enum NetworkIDAllocator {
    /// A random unused id, or nil when `isTaken` refused every one of `attempts` candidates.
    public static func allocate<R: RandomNumberGenerator>(
        controller: Address, using rng: inout R, attempts: Int = 4096, isTaken: (NetworkID) throws(ControllerError) -> Bool
    ) throws(ControllerError) -> NetworkID? {
        for _ in 0..<attempts {
            let number = UInt32.random(in: 1...0xff_ffff, using: &rng)
            let id = NetworkID(controller: controller, number: number)
            if try !isTaken(id) { return id }
        }
        return nil
    }
}
