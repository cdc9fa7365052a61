/// Version strings the CLI reports.
enum Version {
    static let sixplane = "0.1.0"
    /// The ZeroTier One release whose protocol and tools Sixplane follows.
    static let compatible = "1.14.1"
}
