import Foundation
import SixplaneController
import SixplaneCore
import SixplaneJSON
import SixplaneLab
import Testing

/// The built-in web UI in a real browser: Debian's Chromium, driven over WebDriver by chromedriver, inside the
/// controller host's namespace against its real daemon and SQLite database. A user signs in (a wrong token is
/// refused), creates a network, sees a member that joins for real appear, authorizes it (from the keyboard) and
/// sees it get its config, renames it, pages through 10,000 members, sorts and searches, deauthorizes and deletes
/// it, deletes the network, and looks at the node's peers. Each page's screenshot is saved in
/// `.build/ui-screenshots/` for review.
extension NamespaceNetworkTests {
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/ui-screenshots").path

    @Test(.enabled(if: LabBrowser.available, "needs chromium and chromium-driver (make test installs them)"))
    func webUIInARealBrowser() throws {
        let lab = try Self.makeLab(subnet: 84, members: ["m1"])
        defer { lab.teardown() }
        let ctl = lab.hosts["ctl"]!, m1 = lab.hosts["m1"]!, root = lab.hosts["root"]!
        let browser = LabBrowser(host: ctl)
        defer { browser.stop() }
        try browser.start()
        try? FileManager.default.removeItem(atPath: Self.screenshots)
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        var shot = 0
        func screenshot(_ name: String) throws {
            shot += 1
            try browser.screenshot(to: "\(Self.screenshots)/\(String(format: "%02d", shot))-\(name).png")
        }
        func text(_ css: String) throws -> String { try browser.element(css).text }
        func present(_ css: String) throws -> Bool { !(try browser.elements(css)).isEmpty }
        func row(_ address: String) -> String { "#members tr[data-address=\"\(address)\"]" }
        let token = try String(contentsOfFile: "\(ctl.home)/authtoken.secret", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        // Sign-in: a wrong token is refused, the right one opens the networks page.
        try browser.open("http://127.0.0.1:9993/")
        try browser.wait(10, "the sign-in form") { try present("#signin #token") }
        try screenshot("signin")
        try browser.element("#token").type("not-the-token")
        try browser.element("#signin-submit").click()
        try browser.wait(10, "the refusal") { try text("#signin-error").contains("refused") }
        #expect(try browser.execute("return sessionStorage.getItem('sixplane.token')") == .null)
        try screenshot("wrong-token")
        try browser.element("#token").clear()
        try browser.element("#token").type(token + "\u{E007}")
        try browser.wait(10, "the networks page") { try present("#networks") && text("#networks").contains("No networks yet") }
        try screenshot("networks-empty")

        // An error from the API (or the form) is shown next to the form that caused it.
        try browser.element("#create-pool").type("10.0.0.0/33")
        try browser.element("#create-submit").click()
        try browser.wait(5, "the pool error") { try text("#create-error").contains("IPv4 pool") }
        try browser.element("#create-pool").clear()

        // Create a network.
        try browser.element("#create-name").type("ui-net")
        try browser.element("#create-pool").type("10.147.20.0/24")
        try browser.element("#create-submit").click()
        try browser.wait(10, "the new network's page") { try present("#members-section") }
        let hash = try #require(browser.execute("return location.hash").stringValue)
        let nwid = try NetworkID(hex: hash.replacingOccurrences(of: "#/network/", with: ""))
        let created = ctl.api("GET", "/controller/network/\(nwid)")
        #expect(created.status == 200 && created.body.contains("\"name\":\"ui-net\"") && created.body.contains("10.147.20.1"), "\(created.body)")
        try screenshot("network-created")

        // A member joins for real and appears.
        let address = try #require(m1.address)
        #expect(m1.sixplane("join", "\(nwid)").output == "200 join OK\n")
        try browser.wait(20, "the member's row") {
            try browser.element("#members-refresh").click()
            return try present(row(address))
        }
        #expect(try text("\(row(address)) td.authorized") == "no")
        try screenshot("member-joined")

        // Authorize it from the keyboard; it gets its config and shows online with its 6PLANE /80.
        try browser.execute("document.querySelector(arguments[0]).focus()", [.string("\(row(address)) button.authorize")])
        try browser.keys("\u{E007}")
        try browser.wait(10, "authorized") { try text("\(row(address)) td.authorized") == "yes" }
        #expect(Self.eventually(20) { m1.sixplane("get", "\(nwid)", "status").output == "OK\n" }, "\(m1.tail())")
        try browser.wait(20, "online, with its path") {
            try browser.element("#members-refresh").click()
            return try text("\(row(address)) td.online") == "online" && text("\(row(address)) td.physical").contains(m1.underlayIPv4)
        }
        let plane = SixPlane(network: nwid, node: try Address(hex: address))
        #expect(try text("\(row(address)) td.sixplane") == "\(plane.address(interfaceID: 0))/80")
        #expect(try text("\(row(address)) td.version") == "1.14.1")
        #expect(try text("\(row(address)) td.ips").contains("10.147.20."))
        try screenshot("member-authorized")

        // Rename: the name cell becomes a field; Enter saves.
        try browser.element("\(row(address)) button.rename").click()
        try browser.keys("web-one\u{E007}")
        try browser.wait(10, "the new name") { try text("\(row(address)) td.name") == "web-one" }
        #expect(ctl.api("GET", "/controller/network/\(nwid)/member/\(address)").body.contains("\"name\":\"web-one\""))

        // Markup in a name (set through the API, as any admin tool may) is shown as text, never run.
        let markup = "<img src=x onerror=\"window.injected=1\">"
        #expect(ctl.api("POST", "/controller/network/\(nwid)/member/\(address)", body: #"{"name":"<img src=x onerror=\"window.injected=1\">"}"#).status == 200)
        try browser.wait(15, "the name with markup, as text") { try text("\(row(address)) td.name") == markup }
        #expect(try browser.execute("return window.injected === undefined && document.querySelectorAll('#members img').length === 0") == .bool(true))
        #expect(ctl.api("POST", "/controller/network/\(nwid)/member/\(address)", body: #"{"name":"web-one"}"#).status == 200)

        // Deauthorize, then delete (Escape in the confirmation keeps it; Delete removes it).
        try browser.element("\(row(address)) button.deauthorize").click()
        try browser.wait(10, "deauthorized") { try text("\(row(address)) td.authorized") == "no" }
        #expect(ctl.api("GET", "/controller/network/\(nwid)/member/\(address)").body.contains("\"authorized\":false"))
        try browser.element("\(row(address)) button.delete").click()
        try browser.wait(5, "the confirmation") { try browser.execute("return document.getElementById('confirm').open") == .bool(true) }
        try screenshot("confirm-delete")
        try browser.keys("\u{E00C}")
        try browser.wait(5, "the dialog closed") { try browser.execute("return document.getElementById('confirm').open") == .bool(false) }
        #expect(ctl.api("GET", "/controller/network/\(nwid)/member/\(address)").status == 200)
        try browser.element("\(row(address)) button.delete").click()
        try browser.wait(5, "the confirmation") { try browser.execute("return document.getElementById('confirm').open") == .bool(true) }
        try browser.element("#confirm-ok").click()
        try browser.wait(10, "the row gone") { try !present(row(address)) }
        #expect(ctl.api("GET", "/controller/network/\(nwid)/member/\(address)").status == 404)

        // 10,000 members, put straight into the controller's database (the daemon reads it as it is).
        let big = ctl.api("POST", "/controller/network/\(ctl.address!)______", body: #"{"name": "big", "v6AssignMode": {"6plane": true}}"#)
        let bigID = try NetworkID(hex: try #require(JSON(parsing: big.body)?["id"]?.stringValue))
        let store = try SQLiteStore(path: "\(ctl.home)/controller.db", busyTimeout: 5)
        let members = (0..<10_000).map { i in
            var m = ControllerMember(network: bigID, address: Address(truncating: 0x30_0000_0000 + UInt64(i) * 104_729), creationTime: 1)
            m.name = String(format: "member-%05d", 9_999 - i)
            m.authorized = i % 2 == 0
            return m
        }
        for batch in stride(from: 0, to: members.count, by: 2_000) { try store.insertMembers(Array(members[batch..<batch + 2_000])) }
        try browser.open("http://127.0.0.1:9993/#/network/\(bigID)")
        try browser.wait(15, "the big network's first page") { try text("#members-summary").contains("of 10000 (5000 authorized") }
        try screenshot("big-network")
        try browser.execute("const s = document.getElementById('member-limit'); s.value = '250'; s.dispatchEvent(new Event('change'))")
        try browser.wait(15, "250 a page") { try browser.elements("#members tr").count == 250 }
        var seen: [String] = []
        var pages = 0
        let sorted = members.map(\.address.description).sorted()
        while true {
            try browser.wait(15, "page \(pages + 1)") { try text("#members-summary").hasPrefix("Page \(pages + 1): ") }
            let addresses = try browser.execute("return [...document.querySelectorAll('#members tr')].map(r => r.dataset.address)").arrayValue ?? []
            seen += addresses.compactMap(\.stringValue)
            pages += 1
            if pages == 20 { try screenshot("big-network-page-20") }
            guard try browser.element("#page-next").property("disabled") == .bool(false), pages < 60 else { break }
            // n for next page, from the keyboard (focus out of any field first).
            try browser.execute("document.activeElement.blur()")
            try browser.keys("n")
        }
        #expect(pages == 40)
        let wrong = zip(seen, sorted).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(seen.count == sorted.count && wrong == nil, "every member once, in address order: \(seen.count) seen, first wrong at \(wrong ?? -1)")
        try browser.element("#page-previous").click()
        try browser.wait(10, "page 39") { try text("#members-summary").hasPrefix("Page 39: ") }
        #expect(try browser.elements("#members tr").first?.attribute("data-address") == sorted[38 * 250])

        // Sort by name, then search (/ focuses the search field).
        try browser.element("#sort-name").click()
        try browser.wait(10, "sorted by name") { try text("#members tr:first-child td.name") == "member-00000" }
        try browser.execute("document.activeElement.blur()")
        try browser.keys("/")
        #expect(try browser.execute("return document.activeElement.id") == .string("member-search"))
        try browser.keys("member-0999\u{E007}")
        try browser.wait(10, "the search") {
            let names = try browser.execute("return [...document.querySelectorAll('#members td.name')].map(c => c.textContent)").arrayValue ?? []
            return names == (9990...9999).map { .string("member-0\($0)") }
        }
        try screenshot("big-network-search")
        try browser.element("#member-search").clear()
        try browser.element("#member-search").type("\(members[0].address.description.prefix(7))\u{E007}")
        try browser.wait(10, "a search by address") { try text("#members tr:first-child td.address") == members[0].address.description }

        // Bulk: select a page and authorize it.
        try browser.element("#member-search").clear()
        try browser.element("#member-search").type("member-0000\u{E007}")
        try browser.wait(10, "ten members") { try browser.elements("#members tr").count == 10 }
        try browser.element("#select-page").click()
        try browser.element("#authorize-selected").click()
        try browser.wait(15, "all ten authorized") {
            try browser.elements("#members td.authorized").allSatisfy { try $0.text == "yes" }
        }
        for m in members.suffix(10) {
            #expect(ctl.api("GET", "/controller/network/\(bigID)/member/\(m.address)").body.contains("\"authorized\":true"), "\(m.name)")
        }

        // The network's settings, then its deletion.
        try browser.open("http://127.0.0.1:9993/#/network/\(nwid)")
        try browser.wait(10, "the settings form") { try present("#edit-name") }
        try browser.element("#edit-name").clear()
        try browser.element("#edit-name").type("ui-net-2")
        try browser.element("#edit-dns-domain").type("ui.example")
        try browser.element("#edit-submit").click()
        try browser.wait(10, "saved") { try text("#edit-saved").hasPrefix("Saved") }
        let edited = ctl.api("GET", "/controller/network/\(nwid)").body
        #expect(edited.contains("\"name\":\"ui-net-2\"") && edited.contains("\"domain\":\"ui.example\""), "\(edited)")
        try screenshot("network-settings")
        try browser.element("#delete-network").click()
        try browser.wait(5, "the confirmation") { try browser.execute("return document.getElementById('confirm').open") == .bool(true) }
        try browser.element("#confirm-ok").click()
        try browser.wait(10, "back to the list") { try present("#networks") && !(text("#networks").contains("\(nwid)")) }
        #expect(ctl.api("GET", "/controller/network/\(nwid)").status == 404)
        try browser.wait(10, "the big network's counts") { try text("#networks tr[data-nwid=\"\(bigID)\"] td.count-authorized") == "5005" }
        try screenshot("networks")

        // This node: its peers, the root marked, each link drawn as direct or relayed.
        try browser.element("#nav-node").click()
        try browser.wait(10, "the peer picture") { try present("#peer-picture") }
        #expect(try present("#peer-picture rect.root[data-peer=\"\(root.address!)\"]"))
        #expect(try present("#peers tr[data-address=\"\(root.address!)\"]"))
        #expect(try browser.elements("#peer-picture line.direct").count >= 1)
        try screenshot("node")
        try browser.execute("document.getElementById('peer-picture').scrollIntoView()")
        try screenshot("node-peers")

        // Signing out forgets the token.
        try browser.element("#signout").click()
        try browser.wait(5, "the sign-in form") { try present("#signin") }
        #expect(try browser.execute("return sessionStorage.getItem('sixplane.token')") == .null)
    }
}
