/// Packet verbs (the low 5 bits of the verb byte).
public enum Verb: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case nop = 0x00
    case hello = 0x01
    case error = 0x02
    case ok = 0x03
    case whois = 0x04
    case rendezvous = 0x05
    case frame = 0x06
    case extFrame = 0x07
    case echo = 0x08
    case multicastLike = 0x09
    case networkCredentials = 0x0a
    case networkConfigRequest = 0x0b
    case networkConfig = 0x0c
    case multicastGather = 0x0d
    case multicastFrame = 0x0e
    case pushDirectPaths = 0x10
    case ack = 0x12
    case qosMeasurement = 0x13
    case userMessage = 0x14
    case remoteTrace = 0x15
    case pathNegotiationRequest = 0x16

    public var description: String {
        switch self {
        case .nop: "NOP"
        case .hello: "HELLO"
        case .error: "ERROR"
        case .ok: "OK"
        case .whois: "WHOIS"
        case .rendezvous: "RENDEZVOUS"
        case .frame: "FRAME"
        case .extFrame: "EXT_FRAME"
        case .echo: "ECHO"
        case .multicastLike: "MULTICAST_LIKE"
        case .networkCredentials: "NETWORK_CREDENTIALS"
        case .networkConfigRequest: "NETWORK_CONFIG_REQUEST"
        case .networkConfig: "NETWORK_CONFIG"
        case .multicastGather: "MULTICAST_GATHER"
        case .multicastFrame: "MULTICAST_FRAME"
        case .pushDirectPaths: "PUSH_DIRECT_PATHS"
        case .ack: "ACK"
        case .qosMeasurement: "QOS_MEASUREMENT"
        case .userMessage: "USER_MESSAGE"
        case .remoteTrace: "REMOTE_TRACE"
        case .pathNegotiationRequest: "PATH_NEGOTIATION_REQUEST"
        }
    }
}
