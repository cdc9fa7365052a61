/// A decoded packet body: the verb and its typed payload.
public enum Message: Equatable, Sendable {
    case nop
    case hello(Hello)
    case error(ErrorMessage)
    case ok(InReplyTo, OKPayload)
    case whois(Whois)
    case rendezvous(Rendezvous)
    case frame(Frame)
    case extFrame(ExtFrame)
    case echo([UInt8])
    case multicastLike(MulticastLike)
    case networkCredentials(NetworkCredentials)
    case networkConfigRequest(NetworkConfigRequest)
    case networkConfig(NetworkConfigChunk)
    case multicastGather(MulticastGather)
    case multicastFrame(MulticastFrame)
    case pushDirectPaths(PushDirectPaths)
    case userMessage(UserMessage)
    case ack(Ack)
    case qosMeasurement(QoSMeasurement)
    case remoteTrace(RemoteTrace)
    case pathNegotiationRequest(PathNegotiationRequest)
    /// Verbs this implementation does not know (0x0f, 0x11, 0x17…): kept, not interpreted.
    case opaque(verb: UInt8, payload: [UInt8])

    /// What an OK carries, by the verb it answers.
    public enum OKPayload: Equatable, Sendable {
        case hello(HelloOK)
        case whois(WhoisOK)
        case networkConfig(NetworkConfigChunk)
        case multicastGather(MulticastGatherOK)
        case multicastFrame(MulticastFrameOK)
        case extFrame(NetworkID)
        /// OK(ECHO): the echoed bytes. 1.14.1 also acknowledges a pushed config this way (nwid, update id).
        case echo([UInt8])
        case other([UInt8])
    }

    /// Decodes the payload (bytes after the verb byte) of a packet with verb byte `verb` (compression flag clear).
    /// HELLO's moon list must already be decrypted (`PacketArmor.cryptField`) to be read.
    public init(verb verbByte: UInt8, payload: [UInt8]) throws(WireError) {
        guard let verb = Verb(rawValue: verbByte & Packet.verbMask) else {
            self = .opaque(verb: verbByte, payload: payload)
            return
        }
        switch verb {
        case .nop: self = .nop
        case .hello: self = .hello(try Hello(payload: payload))
        case .error: self = .error(try ErrorMessage(payload: payload))
        case .ok:
            var r = ByteReader(payload, context: "OK")
            let inRe = try InReplyTo(reading: &r)
            self = .ok(inRe, try Self.okPayload(inRe.verb, &r))
        case .whois: self = .whois(try Whois(payload: payload))
        case .rendezvous: self = .rendezvous(try Rendezvous(payload: payload))
        case .frame: self = .frame(try Frame(payload: payload))
        case .extFrame: self = .extFrame(try ExtFrame(payload: payload))
        case .echo: self = .echo(payload)
        case .multicastLike: self = .multicastLike(try MulticastLike(payload: payload))
        case .networkCredentials: self = .networkCredentials(try NetworkCredentials(payload: payload))
        case .networkConfigRequest: self = .networkConfigRequest(try NetworkConfigRequest(payload: payload))
        case .networkConfig:
            var r = ByteReader(payload, context: "NETWORK_CONFIG")
            let chunk = try NetworkConfigChunk(reading: &r)
            guard !chunk.isLegacy else {
                throw WireError(.malformed, "NETWORK_CONFIG: unsigned legacy chunk (only accepted in an OK)")
            }
            self = .networkConfig(chunk)
        case .multicastGather: self = .multicastGather(try MulticastGather(payload: payload))
        case .multicastFrame: self = .multicastFrame(try MulticastFrame(payload: payload))
        case .pushDirectPaths: self = .pushDirectPaths(try PushDirectPaths(payload: payload))
        case .userMessage: self = .userMessage(try UserMessage(payload: payload))
        case .ack: self = .ack(try Ack(payload: payload))
        case .qosMeasurement: self = .qosMeasurement(try QoSMeasurement(payload: payload))
        case .remoteTrace: self = .remoteTrace(try RemoteTrace(payload: payload))
        case .pathNegotiationRequest: self = .pathNegotiationRequest(try PathNegotiationRequest(payload: payload))
        }
    }

    private static func okPayload(_ inReVerb: UInt8, _ r: inout ByteReader) throws(WireError) -> OKPayload {
        switch Verb(rawValue: inReVerb) {
        case .hello:
            r.context = "OK(HELLO)"
            return .hello(try HelloOK(reading: &r))
        case .whois:
            r.context = "OK(WHOIS)"
            return .whois(try WhoisOK(reading: &r))
        case .networkConfigRequest:
            r.context = "OK(NETWORK_CONFIG_REQUEST)"
            return .networkConfig(try NetworkConfigChunk(reading: &r))
        case .multicastGather:
            r.context = "OK(MULTICAST_GATHER)"
            return .multicastGather(try MulticastGatherOK(reading: &r))
        case .multicastFrame:
            r.context = "OK(MULTICAST_FRAME)"
            return .multicastFrame(try MulticastFrameOK(reading: &r))
        case .extFrame:
            r.context = "OK(EXT_FRAME)"
            return .extFrame(NetworkID(rawValue: try r.readUInt64("network id")))
        case .echo:
            return .echo(r.readRest())
        default:
            return .other(r.readRest())
        }
    }

    public var verb: UInt8 {
        switch self {
        case .nop: Verb.nop.rawValue
        case .hello: Verb.hello.rawValue
        case .error: Verb.error.rawValue
        case .ok: Verb.ok.rawValue
        case .whois: Verb.whois.rawValue
        case .rendezvous: Verb.rendezvous.rawValue
        case .frame: Verb.frame.rawValue
        case .extFrame: Verb.extFrame.rawValue
        case .echo: Verb.echo.rawValue
        case .multicastLike: Verb.multicastLike.rawValue
        case .networkCredentials: Verb.networkCredentials.rawValue
        case .networkConfigRequest: Verb.networkConfigRequest.rawValue
        case .networkConfig: Verb.networkConfig.rawValue
        case .multicastGather: Verb.multicastGather.rawValue
        case .multicastFrame: Verb.multicastFrame.rawValue
        case .pushDirectPaths: Verb.pushDirectPaths.rawValue
        case .userMessage: Verb.userMessage.rawValue
        case .ack: Verb.ack.rawValue
        case .qosMeasurement: Verb.qosMeasurement.rawValue
        case .remoteTrace: Verb.remoteTrace.rawValue
        case .pathNegotiationRequest: Verb.pathNegotiationRequest.rawValue
        case .opaque(let verb, _): verb
        }
    }

    /// The payload bytes (after the verb byte).
    public var payload: [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .nop: break
        case .hello(let m): m.write(to: &out)
        case .error(let m): m.write(to: &out)
        case .ok(let inRe, let body):
            inRe.write(to: &out)
            switch body {
            case .hello(let m): m.write(to: &out)
            case .whois(let m): m.write(to: &out)
            case .networkConfig(let m): m.write(to: &out)
            case .multicastGather(let m): m.write(to: &out)
            case .multicastFrame(let m): m.write(to: &out)
            case .extFrame(let n): out.appendUInt64(n.rawValue)
            case .echo(let b), .other(let b): out += b
            }
        case .whois(let m): m.write(to: &out)
        case .rendezvous(let m): m.write(to: &out)
        case .frame(let m): m.write(to: &out)
        case .extFrame(let m): m.write(to: &out)
        case .echo(let b): out += b
        case .multicastLike(let m): m.write(to: &out)
        case .networkCredentials(let m): m.write(to: &out)
        case .networkConfigRequest(let m): m.write(to: &out)
        case .networkConfig(let m): m.write(to: &out)
        case .multicastGather(let m): m.write(to: &out)
        case .multicastFrame(let m): m.write(to: &out)
        case .pushDirectPaths(let m): m.write(to: &out)
        case .userMessage(let m): m.write(to: &out)
        case .ack(let m): m.write(to: &out)
        case .qosMeasurement(let m): m.write(to: &out)
        case .remoteTrace(let m): m.write(to: &out)
        case .pathNegotiationRequest(let m): m.write(to: &out)
        case .opaque(_, let b): out += b
        }
        return out
    }
}
