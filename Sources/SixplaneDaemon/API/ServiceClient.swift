import Foundation
import SixplaneAPI
import SixplaneCore

/// A small blocking HTTP/1.1 client for a running daemon's local API, as `zerotier-cli` talks to ZeroTier One: port
/// and token come from the home folder (or are given), requests go to 127.0.0.1 with `X-ZT1-Auth`.
public struct ServiceClient: Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var body: String
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public var host: String
    public var port: Int
    public var token: String?
    /// Gives up on a daemon that accepts but never answers.
    public var timeoutSeconds = 30

    public init(host: String = "127.0.0.1", port: Int, token: String?) {
        self.host = host
        self.port = port
        self.token = token
    }

    /// The client for the daemon whose home is `home`: its `zerotier-one.port` and `authtoken.secret`, unless given.
    public init(home: Home, port: Int? = nil, token: String? = nil, host: String = "127.0.0.1") throws(Failure) {
        let p: Int
        if let port {
            p = port
        } else {
            do { p = try home.readPort() } catch {
                throw Failure(description: "no daemon is running with home \(home.path) (\(error.description)); start it with `sixplane daemon --home \(home.path)`")
            }
        }
        let t: String
        if let token {
            t = token
        } else {
            do { t = try home.readAuthToken() } catch {
                throw Failure(description: "cannot read the API token: \(error.description) (run as root, or pass --token)")
            }
        }
        self.init(host: host, port: p, token: t)
    }

    public func get(_ route: APIRoute) throws(Failure) -> Reply { try request("GET", route.path) }
    public func post(_ route: APIRoute, json: String = "{}") throws(Failure) -> Reply { try request("POST", route.path, body: json) }
    public func delete(_ route: APIRoute) throws(Failure) -> Reply { try request("DELETE", route.path) }
    public func request(_ method: String, _ route: APIRoute, body: String? = nil) throws(Failure) -> Reply { try request(method, route.path, body: body) }

    /// A raw path (`sixplane /status`, zerotier-cli's `/<path>`).
    public func get(_ path: String) throws(Failure) -> Reply { try request("GET", path) }

    public func request(_ method: String, _ path: String, body: String? = nil) throws(Failure) -> Reply {
        let fd = try connect()
        defer { Glibc.close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\nUser-Agent: sixplane\r\n"
        if let token { head += "X-ZT1-Auth: \(token)\r\n" }
        let payload = Array((body ?? "").utf8)
        if body != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(payload.count)\r\n\r\n"
        try send(fd, Array(head.utf8) + payload)
        let raw = try receiveAll(fd)
        return try Self.parse(raw)
    }

    private func connect() throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list else {
            throw Failure(description: "bad API host \(host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw Failure(description: "cannot connect to the daemon at \(host):\(port) (\(reason)); is `sixplane daemon` running?")
        }
        return fd
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "sending to the daemon failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    private func receiveAll(_ fd: Int32) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Failure(description: "no answer from the daemon: \(String(cString: strerror(errno)))") }
            if n == 0 { return out }
            out += chunk[0..<n]
            // A response is bounded; a daemon that keeps sending is not one.
            if out.count > 256 << 20 { throw Failure(description: "the daemon's answer is too large") }
        }
    }

    /// Status line, headers, and a body by Content-Length, chunked encoding, or to the end.
    public static func parse(_ raw: [UInt8]) throws(Failure) -> Reply {
        guard let headEnd = find([13, 10, 13, 10], in: raw, from: 0) else { throw Failure(description: "malformed HTTP answer from the daemon") }
        let head = String(decoding: raw[0..<headEnd], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw Failure(description: "malformed HTTP status line from the daemon: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(raw[(headEnd + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap({ Int($0) }), length >= 0, length <= body.count {
            body = Array(body[0..<length])
        }
        return Reply(status: status, body: String(decoding: body, as: UTF8.self))
    }

    static func dechunk(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: i) else { throw Failure(description: "malformed chunked answer from the daemon") }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0,
                lineEnd + 2 + size <= bytes.count
            else { throw Failure(description: "malformed chunk in the daemon's answer") }
            if size == 0 { return out }
            out += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            i = lineEnd + 2 + size + 2
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        for i in start...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}
