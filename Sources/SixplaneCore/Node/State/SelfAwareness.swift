/// Our external addresses as peers report them in OK(HELLO) (ZeroTier's SelfAwareness), for PUSH_DIRECT_PATHS.
///
/// A report counts only if the address is of the same scope as the one we heard the reporter on (a peer on the
/// internet cannot tell us a LAN address, nor a LAN peer an internet one). One entry per reporter, at most
/// `capacity` reporters (the longest silent one makes room), entries expire with paths. An address is passed on to
/// other peers only if an upstream (a root) reported it or two peers did: a single peer cannot make us advertise an
/// arbitrary address.
struct SelfAwareness {
    struct Report: Equatable {
        var observed: InetAddress
        var at: Int64
        var trusted: Bool
    }

    let capacity: Int
    private(set) var reports: [Address: Report] = [:]

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { reports.count }

    enum Outcome: Equatable {
        case recorded
        case wrongScope
    }

    @discardableResult
    mutating func iam(
        reporter: Address, reporterAddress: InetAddress, observed: InetAddress, trusted: Bool, now: Int64
    ) -> Outcome {
        let scope = IPScope(observed)
        guard scope == IPScope(reporterAddress), ![.none, .loopback, .multicast, .linkLocal].contains(scope) else {
            return .wrongScope
        }
        if reports[reporter] == nil, reports.count >= capacity,
            let oldest = reports.min(by: { $0.value.at != $1.value.at ? $0.value.at < $1.value.at : $0.key < $1.key })?.key
        {
            reports[oldest] = nil
        }
        reports[reporter] = Report(observed: observed, at: now, trusted: trusted)
        return .recorded
    }

    /// Addresses worth telling peers about: reported by an upstream, or by two peers, within the path lifetime.
    func addresses(now: Int64) -> [InetAddress] {
        var reporters: [InetAddress: Int] = [:]
        var trusted: Set<InetAddress> = []
        for report in reports.values where now - report.at < Timers.pathExpiration {
            reporters[report.observed, default: 0] += 1
            if report.trusted { trusted.insert(report.observed) }
        }
        return reporters.filter { trusted.contains($0.key) || $0.value >= 2 }.map(\.key).sorted { "\($0)" < "\($1)" }
    }

    mutating func expire(now: Int64) {
        reports = reports.filter { now - $0.value.at < Timers.pathExpiration }
    }
}
