import ArgumentParser
import SixplaneAPI
import SixplaneDaemon
import SixplaneJSON

/// One controller API call from the admin commands: the JSON answer, or a CLIError carrying the daemon's message.
struct AdminCall {
    var client: ServiceClient

    init(_ options: ServiceOptions) throws { client = try options.client() }

    /// `query` (already encoded) goes after the route's path.
    func callAPI(_ method: String, _ route: APIRoute, query: String? = nil, body: JSON? = nil) throws -> JSON {
        let path = route.path + (query.map { "?" + $0 } ?? "")
        let r = try CLIError.wrap { try client.request(method, path, body: body?.text) }
        guard r.status == 200 else {
            let message = JSON(parsing: r.body)?["error"]?.stringValue ?? r.body.trimmingCharacters(in: .whitespacesAndNewlines)
            throw CLIError("\(method) \(path): \(r.status) \(message)")
        }
        guard let json = JSON(parsing: r.body) else { throw CLIError("\(path): the daemon's answer is not JSON") }
        return json
    }

    /// `key=value` settings as a JSON object; a value that parses as JSON is taken as such (true, 2800, ["a"],
    /// {"6plane":true}), anything else as a string.
    static func settings(_ items: [String]) throws -> JSON {
        var o: [String: JSON] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("settings are <key>=<value>, got \(item)")
            }
            let value = String(item[item.index(after: eq)...])
            o[String(item[..<eq])] = JSON(parsing: value) ?? .string(value)
        }
        return .object(o)
    }
}
