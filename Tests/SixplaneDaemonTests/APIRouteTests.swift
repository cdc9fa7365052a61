import Foundation
import SixplaneAPI
import SixplaneCore
import SixplaneJSON
import Testing

@testable import SixplaneDaemon

/// The one route table: every route's path reads back as the same route, the templates the web UI gets are the
/// table's, a path of no route is not found and a route's bad parameter names its field; the UI's files are served
/// without the token (and nothing else is), with headers that keep other pages from framing or scripting them.
@Suite struct APIRouteTests {
    static let nwid = NetworkID(rawValue: 0x8056_c2e2_1c00_0001)
    static let address = Address(truncating: 0x62_f865_ae71)

    static let examples: [(APIRoute, String)] = [
        (.ui, "/"), (.asset("app.js"), "/app/app.js"), (.health, "/health"), (.status, "/status"), (.dns, "/dns"),
        (.metrics, "/metrics"), (.networks, "/network"), (.network(nwid), "/network/8056c2e21c000001"), (.peers, "/peer"),
        (.peer(address), "/peer/62f865ae71"), (.moons, "/moon"), (.moon(0xa5c6b3722d), "/moon/000000a5c6b3722d"),
        (.controller, "/controller"), (.controllerNetworks, "/controller/network"),
        (.newControllerNetwork(address), "/controller/network/62f865ae71______"),
        (.controllerNetwork(nwid), "/controller/network/8056c2e21c000001"),
        (.controllerMembers(nwid), "/controller/network/8056c2e21c000001/member"),
        (.controllerMember(nwid, address), "/controller/network/8056c2e21c000001/member/62f865ae71"),
        (.unstableControllerNetworks, "/unstable/controller/network"),
        (.unstableControllerMembers(nwid), "/unstable/controller/network/8056c2e21c000001/member"),
    ]

    @Test func everyRouteReadsBackFromItsPath() throws {
        #expect(Set(Self.examples.map(\.0.kind)) == Set(APIRoute.Kind.allCases), "an example for every route")
        for (route, path) in Self.examples {
            #expect(route.path == path)
            #expect(try APIRoute(path: path) == route, "\(path)")
            // Doubled and trailing slashes are ignored, as ZeroTier's server does; hex in either case.
            #expect(try APIRoute(path: path.replacingOccurrences(of: "/", with: "//") + "/") == route)
        }
        #expect(try APIRoute(path: "/network/8056C2E21C000001") == .network(Self.nwid))
        #expect(try APIRoute(path: "/moon/a5c6b3722d") == .moon(0xa5c6b3722d))
    }

    @Test(arguments: [
        ("/network/8056c2e21c00000", "nwid"), ("/network/zz56c2e21c000001", "nwid"), ("/peer/62f865ae7", "address"),
        ("/peer/xyz", "address"), ("/moon/00000000000000001", "id"), ("/controller/network/62f865ae7______", "id"),
        ("/controller/network/8056c2e21c00000g/member", "nwid"), ("/controller/network/8056c2e21c000001/member/ffffffffff0", "address"),
    ])
    func aBadParameterNamesItsField(path: String, field: String) {
        #expect(throws: APIRouteError.self) { try APIRoute(path: path) }
        do { _ = try APIRoute(path: path) } catch {
            guard case .badParameter(let f, _) = error else { return #expect(Bool(false), "\(path): \(error)") }
            #expect(f == field, "\(path)")
        }
    }

    @Test(arguments: ["/nothing", "/status/extra", "/app", "/app/../authtoken.secret", "/app/.hidden", "/app/a/b", "/unstable/controller",
                      "/unstable/controller/network/8056c2e21c000001", "/controller/network/8056c2e21c000001/members"])
    func aPathOfNoRouteIsNotFound(path: String) {
        #expect(throws: APIRouteError.notFound) { try APIRoute(path: path) }
    }

    @Test func theWebUIGetsTheTableAsTemplates() throws {
        let served = try #require(JSON(parsing: WebUI.response(for: "routes.json").body)?.objectValue)
        #expect(served.count == APIRoute.Kind.allCases.count)
        for kind in APIRoute.Kind.allCases { #expect(served[kind.rawValue]?.stringValue == kind.template) }
        // Every route name the UI's scripts use is in the table.
        let scripts = WebUI.assets.filter { $0.key.hasSuffix(".js") }.map { String(decoding: $0.value.bytes, as: UTF8.self) }.joined()
        let pattern = try Regex(#"(?:get|post|del|call)\((?:'[A-Z]+', )?'([a-z][A-Za-z]+)'"#)
        let used = Set(scripts.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) })
        #expect(used.count >= 8, "\(used)")
        #expect(used.isSubset(of: Set(served.keys)), "\(used.subtracting(served.keys))")
    }

    @Test func theUIsFilesAreServedWithoutTheToken() throws {
        let f = try LocalAPITests.Fixture()
        for (path, type) in [("/", "text/html"), ("/app/index.html", "text/html"), ("/app/style.css", "text/css"), ("/app/app.js", "text/javascript"),
                             ("/app/members.js", "text/javascript"), ("/app/routes.json", "application/json")] {
            let r = f.call("GET", path, token: nil)
            #expect(r.status == 200 && r.contentType.hasPrefix(type), "\(path): \(r.status) \(r.contentType)")
            #expect(r.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") == true)
            #expect(r.headers["X-Frame-Options"] == "DENY")
        }
        #expect(f.call("GET", "/", token: nil).body.contains("<script type=\"module\" src=\"/app/app.js\">"))
        #expect(f.call("GET", "/app/missing.js", token: nil).status == 404)
        // Only GET is open; the data behind the UI needs the token.
        #expect(f.call("POST", "/app/app.js", token: nil).status == 401)
        #expect(f.call("GET", "/status", token: nil).status == 401)
    }
}
