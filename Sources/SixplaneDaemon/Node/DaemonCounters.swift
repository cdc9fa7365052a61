/// Counts the shell keeps besides the node's own statistics.
public struct DaemonCounters: Sendable {
    public var eventsDropped = 0
    public var apiRequests = 0
    public var apiUnauthorized = 0
    public var sendErrors = 0
    /// sendmsg calls that sent several datagrams at once (UDP GSO).
    public var gsoSends = 0
    /// Reads that returned several datagrams at once (UDP GRO).
    public var groReads = 0
    /// New peers' identities validated off the loop, and the CPU time that took.
    public var identityValidations = 0
    public var identityValidationNanoseconds: Int64 = 0
}
