import Foundation
import SixplaneDaemon
import SixplaneJSON

/// A real Chromium in a lab host's namespace, driven over WebDriver (the W3C HTTP protocol) through chromedriver:
/// the browser reaches the host's loopback, so it opens the daemon's web UI as a user on that host would.
public final class LabBrowser: @unchecked Sendable {
    public let host: LabHost
    public let port: Int
    let directory: String
    var pid: pid_t?
    public private(set) var session: String?

    public static let chromium = "/usr/bin/chromium"
    public static let chromedriver = "/usr/bin/chromedriver"
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: chromium) && FileManager.default.isExecutableFile(atPath: chromedriver)
    }

    public init(host: LabHost, port: Int = 9515) {
        self.host = host
        self.port = port
        directory = host.home + "/browser"
    }

    /// Starts chromedriver and a headless Chromium session with a window of `width` x `height`.
    public func start(width: Int = 1360, height: Int = 900) throws(LabError) {
        try? FileManager.default.createDirectory(atPath: directory + "/profile", withIntermediateDirectories: true)
        // Why chromedriver's /status last failed, so a start that times out says more than "not ready".
        var problem = ""
        do {
            pid = try LabProcess.start(
                ["ip", "netns", "exec", host.namespace, Self.chromedriver, "--port=\(port)", "--allowed-ips=127.0.0.1"],
                log: directory + "/chromedriver.log", what: "\(host.name): chromedriver", timeout: 20, interval: 0.2
            ) {
                do { return try self.call("GET", "/status")["value"]?["ready"]?.boolValue == true } catch {
                    problem = "\(error)"
                    return false
                }
            }
        } catch {
            throw LabError(problem.isEmpty ? error.description : "\(error.description) (last /status: \(problem))")
        }
        let options: JSON = [
            "binary": .string(Self.chromium),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                .string("--user-data-dir=\(directory)/profile"), .string("--window-size=\(width),\(height)"),
            ],
        ]
        let answer = try call("POST", "/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
        guard let id = answer["value"]?["sessionId"]?.stringValue else { throw LabError("no WebDriver session: \(answer.text)") }
        session = id
    }

    public func stop() {
        if let session { _ = try? call("DELETE", "/session/\(session)") }
        session = nil
        if let pid { LabProcess.terminate(pid, timeout: 5) }
        pid = nil
    }

    public func tail(_ lines: Int = 30) -> String { LabProcess.tail(directory + "/chromedriver.log", lines) }

    // MARK: WebDriver commands

    /// One command of the session; a WebDriver error (`value.error`) is thrown with its message.
    @discardableResult
    public func command(_ method: String, _ path: String, _ body: JSON? = nil) throws(LabError) -> JSON {
        guard let session else { throw LabError("no browser session") }
        let answer = try call(method, "/session/\(session)\(path)", body)
        if let error = answer["value"]?["error"]?.stringValue {
            throw LabError("WebDriver \(method) \(path): \(error): \(answer["value"]?["message"]?.stringValue ?? "")")
        }
        return answer["value"] ?? .null
    }

    public func open(_ url: String) throws(LabError) { try command("POST", "/url", ["url": .string(url)]) }

    /// The first element matching a CSS selector.
    public func element(_ css: String) throws(LabError) -> Element {
        let v = try command("POST", "/element", ["using": "css selector", "value": .string(css)])
        guard let id = v[Element.key]?.stringValue else { throw LabError("no element id for \(css): \(v.text)") }
        return Element(browser: self, id: id)
    }

    public func elements(_ css: String) throws(LabError) -> [Element] {
        let v = try command("POST", "/elements", ["using": "css selector", "value": .string(css)])
        return (v.arrayValue ?? []).compactMap { $0[Element.key]?.stringValue }.map { Element(browser: self, id: $0) }
    }

    /// Runs `script` in the page (arguments as `arguments[i]`) and returns its value.
    @discardableResult
    public func execute(_ script: String, _ arguments: [JSON] = []) throws(LabError) -> JSON {
        try command("POST", "/execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    /// Key presses to whatever has the focus (WebDriver's key codes: "\u{E004}" Tab, "\u{E007}" Enter, "\u{E00C}" Escape).
    public func keys(_ text: String) throws(LabError) {
        var actions: [JSON] = []
        for c in text.unicodeScalars {
            actions.append(["type": "keyDown", "value": .string(String(c))])
            actions.append(["type": "keyUp", "value": .string(String(c))])
        }
        try command("POST", "/actions", ["actions": [["type": "key", "id": "keyboard", "actions": .array(actions)]]])
    }

    /// A PNG of the viewport, written to `path`.
    public func screenshot(to path: String) throws(LabError) {
        let v = try command("GET", "/screenshot")
        guard let text = v.stringValue, let data = Data(base64Encoded: text) else { throw LabError("screenshot: no image") }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch { throw LabError("cannot write \(path): \(error)") }
    }

    /// Waits up to `seconds` for `condition`, polling; the last error seen is in the failure.
    public func wait(_ seconds: Double, _ what: String, _ condition: () throws -> Bool) throws(LabError) {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            do { if try condition() { return } } catch { last = "\(error)" }
            usleep(100_000)
        }
        throw LabError("waited \(seconds) s for \(what) \(last)")
    }

    public struct Element {
        static let key = "element-6066-11e4-a52e-4f735466cecf"
        let browser: LabBrowser
        public let id: String

        public func click() throws(LabError) { try browser.command("POST", "/element/\(id)/click", [:]) }
        public func clear() throws(LabError) { try browser.command("POST", "/element/\(id)/clear", [:]) }
        public func type(_ text: String) throws(LabError) { try browser.command("POST", "/element/\(id)/value", ["text": .string(text)]) }
        public var text: String { get throws(LabError) { try browser.command("GET", "/element/\(id)/text").stringValue ?? "" } }
        public func property(_ name: String) throws(LabError) -> JSON { try browser.command("GET", "/element/\(id)/property/\(name)") }
        public func attribute(_ name: String) throws(LabError) -> String? { try browser.command("GET", "/element/\(id)/attribute/\(name)").stringValue }
    }

    // MARK: Transport

    /// Head plus Content-Length, once the head is in.
    static func expectedLength(_ raw: [UInt8]) -> Int? {
        guard let i = (0..<max(0, raw.count - 3)).first(where: { raw[$0] == 13 && raw[$0 + 1] == 10 && raw[$0 + 2] == 13 && raw[$0 + 3] == 10 }) else {
            return nil
        }
        let head = String(decoding: raw[0..<i], as: UTF8.self).lowercased()
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            if let n = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) { return i + 4 + n }
        }
        return nil
    }

    /// One HTTP exchange with chromedriver, on a connection opened inside the host's namespace.
    func call(_ method: String, _ path: String, _ body: JSON? = nil) throws(LabError) -> JSON {
        let fd = try host.connectLoopback(port: port)
        defer { close(fd) }
        let payload = Array((body?.text ?? "").utf8)
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if body != nil { request += "Content-Type: application/json; charset=utf-8\r\n" }
        request += "Content-Length: \(payload.count)\r\n\r\n"
        let bytes = Array(request.utf8) + payload
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LabError("chromedriver: send failed (errno \(errno))") }
            sent += n
        }
        var raw: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw LabError("chromedriver: no answer to \(method) \(path) (errno \(errno))") }
            raw += buffer[0..<n]
            guard raw.count < 64 << 20 else { throw LabError("chromedriver: answer too large") }
            // chromedriver keeps the connection open: the answer ends where its Content-Length says.
            if let end = Self.expectedLength(raw), raw.count >= end { break }
        }
        let reply: ServiceClient.Reply
        do { reply = try ServiceClient.parse(raw) } catch { throw LabError("chromedriver: \(error)") }
        guard let json = JSON(parsing: reply.body) else { throw LabError("chromedriver answered \(reply.status) without JSON: \(reply.body.prefix(200))") }
        return json
    }
}
