import Foundation
import SixplaneTestSupport
import Testing

/// `sixplane address …` against the values the real 1.14.1 nodes used.
@Suite struct AddressCommandTests {
    static let network = "4073ceaa6bc486f0"

    @Test func sixPlaneOfNodeA() throws {
        let result = try Command.sixplane("address", "6plane", Self.network, "ccd3c55330")
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                host /80:     fc2b:b748:5acc:d3c5:5330::/80
                address:      fc2b:b748:5acc:d3c5:5330::1/40
                network /40:  fc2b:b748:5a00::/40

                """)
    }

    @Test func sixPlaneFromIdentityFileAsJSON() throws {
        let path = Fixtures.url("zt-1.14.1/identities/b.public").path
        let result = try Command.sixplane("address", "6plane", Self.network, path, "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String])
        #expect(object["hostPrefix"] == "fc2b:b748:5a76:3cb1:1903::/80")
        #expect(object["address"] == "fc2b:b748:5a76:3cb1:1903::1/40")
        #expect(object["networkPrefix"] == "fc2b:b748:5a00::/40")
        #expect(object["node"] == "763cb11903")
    }

    @Test func rfc4193AndMAC() throws {
        let ula = try Command.sixplane("address", "rfc4193", Self.network, "763cb11903")
        #expect(ula.stdout.contains("address:      fd40:73ce:aa6b:c486:f099:9376:3cb1:1903/88"))
        #expect(ula.stdout.contains("network /88:  fd40:73ce:aa6b:c486:f099:9300::/88"))
        let mac = try Command.sixplane("address", "mac", Self.network, "763cb11903", "--json")
        #expect(mac.stdout.contains("\"mac\" : \"f2:f0:f8:da:b3:cd\""))
        let reverse = try Command.sixplane("address", "mac", Self.network, "f2:f0:f8:da:b3:cd")
        #expect(reverse.stdout.contains("node:  763cb11903"))
    }

    @Test(arguments: [
        (["address", "6plane", "4073ceaa6bc486f", "ccd3c55330"], "exactly 16 hex digits"),
        (["address", "6plane", "4073ceaa6bc486f0", "ffd3c55330"], "reserved"),
        (["address", "rfc4193", "4073ceaa6bc486fg", "ccd3c55330"], "non-hex"),
        (["address", "mac", "4073ceaa6bc486f0", "02:11:22:33:44:55"], "not a member MAC"),
        (["address", "6plane", "4073ceaa6bc486f0", "/nonexistent/identity.public"], "cannot read"),
        (["address", "6plane"], "Missing expected argument"),
    ])
    func badArguments(arguments: [String], mentions: String) throws {
        let result = try Command.run(Command.sixplane, arguments)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(mentions), "\(result.stderr)")
    }
}
