import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import SixplaneAPI
import ServiceLifecycle

/// The local API's HTTP shell: one listener on 127.0.0.1 and one on ::1 (never another address), each taking at
/// most `maxConnections` at a time (the rest wait in the backlog) and dropping a connection idle for `idleTimeout`.
/// A request without the token is answered 401 before its body is read; a body over `maxBody` gets 413; a body
/// that does not arrive within `bodyTimeout` gets 408.
public enum LocalAPIServer {
    public struct Limits: Sendable {
        /// Per listener.
        public var maxConnections = 64
        public var idleTimeout = TimeAmount.seconds(10)
        public var maxBody = 1 << 20
        public var bodyTimeout = Duration.seconds(10)

        public init() {}
    }

    public static func services(api: LocalAPI, port: Int, group: any EventLoopGroup, limits: Limits = Limits()) -> [any Service] {
        let responder = CallbackResponder<BasicRequestContext> { request, _ in try await serve(request, api: api, limits: limits) }
        return ["127.0.0.1", "::1"].map { host in
            Application(
                responder: responder, server: .http1(configuration: .init(idleTimeout: limits.idleTimeout)),
                configuration: .init(
                    address: .hostname(host, port: port), serverName: "sixplane",
                    availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
                eventLoopGroupProvider: .shared(group), logger: Logger(label: "sixplane.api"))
        }
    }

    static func serve(_ request: Request, api: LocalAPI, limits: Limits) async throws -> Response {
        var query: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { query[String(k)] = String(v) }
        var token = request.headers[HTTPField.Name("X-ZT1-Auth")!]
        if token == nil, let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") { token = String(auth.dropFirst(7)) }
        if token == nil { token = query["auth"] }
        let method = request.method.rawValue, path = request.uri.path
        let route = APIRoute.parse(path: path)
        guard api.admits(method: method, route: route, token: token) else {
            api.countRefused()
            return reply(401, "{}\n")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limits.maxBody { return tooLarge }
        let body: ByteBuffer
        switch await collect(request.body, limits: limits) {
        case .body(let b): body = b
        case .tooLarge: return tooLarge
        case .timedOut: return reply(408, #"{"error":"the request body did not arrive in time"}"# + "\n")
        case .failed: return reply(400, #"{"error":"the request body could not be read"}"# + "\n")
        }
        let r = LocalAPI.Request(method: method, path: path, route: route, query: query, token: token, body: Data(buffer: body))
        let response = try await api.respond(r).get()
        var headers: HTTPFields = [.contentType: response.contentType]
        for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: .init(code: response.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: response.body)))
    }

    static let tooLarge = reply(413, #"{"error":"the request body is too large"}"# + "\n")

    static func reply(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    enum Body: Sendable {
        case body(ByteBuffer)
        case tooLarge
        case timedOut
        case failed
    }

    /// The whole body, at most `maxBody` bytes, within `bodyTimeout`.
    static func collect(_ body: RequestBody, limits: Limits) async -> Body {
        await withTaskGroup(of: Body.self) { group in
            group.addTask {
                do { return .body(try await body.collect(upTo: limits.maxBody)) } catch {
                    // A body without Content-Length (chunked) is only found too large while it is read.
                    return error is NIOTooManyBytesError ? .tooLarge : .failed
                }
            }
            group.addTask {
                try? await Task.sleep(for: limits.bodyTimeout)
                return .timedOut
            }
            let first = await group.next() ?? .failed
            group.cancelAll()
            return first
        }
    }
}
