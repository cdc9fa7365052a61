import SixplaneCore

/// Record types and classes this server speaks; others are carried as raw data.
public enum DNSType {
    public static let a: UInt16 = 1
    public static let ns: UInt16 = 2
    public static let cname: UInt16 = 5
    public static let soa: UInt16 = 6
    public static let ptr: UInt16 = 12
    public static let aaaa: UInt16 = 28
    public static let opt: UInt16 = 41
    public static let any: UInt16 = 255
    public static let classIN: UInt16 = 1
}

public struct DNSQuestion: Hashable, Sendable {
    public var name: DNSName
    public var type: UInt16
    public var qclass: UInt16

    public init(name: DNSName, type: UInt16, qclass: UInt16 = DNSType.classIN) {
        self.name = name
        self.type = type
        self.qclass = qclass
    }
}

public struct DNSRecord: Hashable, Sendable {
    public struct SOA: Hashable, Sendable {
        public var primary: DNSName
        public var mailbox: DNSName
        public var serial, refresh, retry, expire, minimum: UInt32

        public init(primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32 = 60, retry: UInt32 = 30, expire: UInt32 = 3600, minimum: UInt32 = 5) {
            self.primary = primary
            self.mailbox = mailbox
            self.serial = serial
            self.refresh = refresh
            self.retry = retry
            self.expire = expire
            self.minimum = minimum
        }
    }

    public enum Data: Hashable, Sendable {
        case a(IPv4Address)
        case aaaa(IPv6Address)
        case ptr(DNSName)
        case ns(DNSName)
        case cname(DNSName)
        case soa(SOA)
        /// Any other type (and OPT), as it came.
        case raw([UInt8])
    }

    public var name: DNSName
    public var type: UInt16
    /// For OPT: the sender's UDP payload size.
    public var rclass: UInt16
    public var ttl: UInt32
    public var data: Data

    public init(name: DNSName, type: UInt16, rclass: UInt16 = DNSType.classIN, ttl: UInt32, data: Data) {
        self.name = name
        self.type = type
        self.rclass = rclass
        self.ttl = ttl
        self.data = data
    }

    public static func a(_ name: DNSName, _ address: IPv4Address, ttl: UInt32) -> DNSRecord {
        DNSRecord(name: name, type: DNSType.a, ttl: ttl, data: .a(address))
    }
    public static func aaaa(_ name: DNSName, _ address: IPv6Address, ttl: UInt32) -> DNSRecord {
        DNSRecord(name: name, type: DNSType.aaaa, ttl: ttl, data: .aaaa(address))
    }
    public static func ptr(_ name: DNSName, _ target: DNSName, ttl: UInt32) -> DNSRecord {
        DNSRecord(name: name, type: DNSType.ptr, ttl: ttl, data: .ptr(target))
    }
}
