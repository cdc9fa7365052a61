import NIOCore
import NIOHTTP1
import NIOPosix

/// Docker's engine API over its unix socket: one GET per connection (HTTP/1.1, `Connection: close`), the body handed
/// over as it comes, so the events stream can be read for as long as the engine keeps it open.
public struct DockerEngine: Sendable {
    let socketPath: String
    let group: any EventLoopGroup

    /// The largest body read whole (a container list); one event line at most `lineLimit`.
    static let bodyLimit = 32 << 20
    static let lineLimit = 1 << 16

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// GETs `path`, giving each piece of the body to `body`; returns the status. Throws when the engine cannot be
    /// reached or the connection breaks.
    func get(_ path: String, body: (ByteBuffer) async throws -> Void) async throws -> HTTPResponseStatus {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .connect(unixDomainSocketPath: socketPath) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: "docker")
            head.headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var status: HTTPResponseStatus?
            for try await part in inbound {
                switch part {
                case .head(let h): status = h.status
                case .body(let b): try await body(b)
                case .end: if let status { return status }
                }
            }
            throw Failure(description: "the engine closed the connection before answering \(path)")
        }
    }

    /// GETs `path` and returns its body whole (at most `bodyLimit`), or throws on a status other than 200.
    func fetch(_ path: String) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        let status = try await get(path) { b in
            guard bytes.count + b.readableBytes <= Self.bodyLimit else { throw Failure(description: "\(path): body over \(Self.bodyLimit) bytes") }
            bytes += b.readableBytesView
        }
        guard status == .ok else { throw Failure(description: "\(path): \(status.code) \(String(decoding: bytes.prefix(200), as: UTF8.self))") }
        return bytes
    }

    /// GETs a stream of JSON lines (`/events`), calling `line` for each; returns when the engine ends it.
    func lines(_ path: String, line: ([UInt8]) async throws -> Void) async throws {
        var partial: [UInt8] = []
        let status = try await get(path) { b in
            for byte in b.readableBytesView {
                if byte == 0x0a {
                    try await line(partial)
                    partial.removeAll(keepingCapacity: true)
                } else {
                    guard partial.count < Self.lineLimit else { throw Failure(description: "\(path): a line over \(Self.lineLimit) bytes") }
                    partial.append(byte)
                }
            }
        }
        guard status == .ok else { throw Failure(description: "\(path): \(status.code)") }
    }
}
