/// The spec versions this plugin speaks: results are shaped for the version the runtime asked for.
public enum CNIVersion {
    public static let supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]
    public static let newest = "1.1.0"

    /// Orders "a.b.c" version strings; nil for something that is not one.
    static func parts(_ v: String) -> [Int]? {
        let p = v.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard p.count == 3, p.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        return p.map { $0! }
    }

    static func atLeast(_ v: String, _ floor: String) -> Bool {
        guard let a = parts(v), let b = parts(floor) else { return false }
        return a.lexicographicallyPrecedes(b) == false
    }
}
