/// Hosts behind a provider's router: as on the internet, at least two router hops lie between any two homes, so a
/// NAT-opening datagram with TTL 2 dies before it reaches the other side's NAT. On the bare bridge it would reach
/// it and leave a stranger's entry in its conntrack table, which spoils hole punching in a way the internet does not.
extension Lab {
    /// A provider's router `<tag>-<name>-isp` on the bridge at 10.<subnet>.0.<index>, with its downlink
    /// 100.64.<index>.1/24 on `down0` toward `customer`'s `eth0`, and routes to it from every bridged namespace.
    func addProvider(_ name: String, index: Int, customer: String) throws(LabError) {
        let isp = "\(tag)-\(name)-isp"
        try addNamespace(isp)
        try plugIntoBridge(isp, index: index)
        try sh("ip", "-n", isp, "link", "add", "down0", "type", "veth", "peer", "name", "eth0", "netns", customer)
        try sh("ip", "-n", isp, "addr", "add", "100.64.\(index).1/24", "dev", "down0")
        try sh("ip", "-n", isp, "link", "set", "down0", "up")
        try sh("ip", "netns", "exec", isp, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        try sh("ip", "-n", customer, "addr", "add", "100.64.\(index).2/24", "dev", "eth0")
        try sh("ip", "-n", customer, "link", "set", "eth0", "up")
        try sh("ip", "-n", customer, "route", "add", "default", "via", "100.64.\(index).1")
        for ns in bridgedNamespaces where ns != isp {
            try sh("ip", "-n", ns, "route", "add", "100.64.\(index).0/24", "via", "10.\(subnet).0.\(index)")
        }
        providerIndexes.append(index)
    }

    /// A public host one router hop from the bridge, at 100.64.<index>.2.
    @discardableResult
    public func addRoutedHost(_ name: String, index: Int) throws(LabError) -> LabHost {
        let ns = "\(tag)-\(name)"
        try addNamespace(ns)
        try addProvider(name, index: index, customer: ns)
        let host = register(name, namespace: ns, index: index)
        host.underlayIPv4 = "100.64.\(index).2"
        return host
    }
}
