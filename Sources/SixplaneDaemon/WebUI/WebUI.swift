import SixplaneAPI
import SixplaneJSON

/// The built-in web UI: plain HTML, CSS and JavaScript modules compiled into the binary, served on the local API's
/// port. The files hold no data and are served without the token; everything they show comes from the API, which
/// needs it.
enum WebUI {
    struct Asset {
        var type: String
        var bytes: [UInt8]
    }

    static let assets: [String: Asset] = [
        "index.html": Asset(type: "text/html; charset=utf-8", bytes: PackageResources.index_html),
        "style.css": Asset(type: "text/css; charset=utf-8", bytes: PackageResources.style_css),
        "api.js": Asset(type: "text/javascript; charset=utf-8", bytes: PackageResources.api_js),
        "dom.js": Asset(type: "text/javascript; charset=utf-8", bytes: PackageResources.dom_js),
        "app.js": Asset(type: "text/javascript; charset=utf-8", bytes: PackageResources.app_js),
        "networks.js": Asset(type: "text/javascript; charset=utf-8", bytes: PackageResources.networks_js),
        "members.js": Asset(type: "text/javascript; charset=utf-8", bytes: PackageResources.members_js),
        "node.js": Asset(type: "text/javascript; charset=utf-8", bytes: PackageResources.node_js),
    ]

    /// The route table as the UI's api.js reads it.
    static let routesJSON = JSON.object(Dictionary(uniqueKeysWithValues: APIRoute.templates.map { ($0.name, JSON.string($0.template)) })).text

    /// Scripts only from this origin, no framing (the page acts with the token), nothing cached across versions.
    static let headers = [
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    ]

    static func response(for name: String) -> LocalAPI.Response {
        if name == "routes.json" {
            return LocalAPI.Response(status: 200, contentType: "application/json", body: routesJSON, headers: headers)
        }
        guard let asset = assets[name] else { return LocalAPI.Response(status: 404, contentType: "text/plain", body: "no such file\n", headers: headers) }
        return LocalAPI.Response(status: 200, contentType: asset.type, body: String(decoding: asset.bytes, as: UTF8.self), headers: headers)
    }
}
