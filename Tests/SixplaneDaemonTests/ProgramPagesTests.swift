import Foundation
import Testing

@testable import SixplaneDaemon

/// The program's own mappings are found in /proc/self/maps text, and handing them back really lowers this
/// process's file-backed resident memory.
@Suite struct ProgramPagesTests {
    static let maps = """
        55d0c0a00000-55d0c3900000 r-xp 00000000 fe:00 5343446                    /usr/local/bin/sixplane
        55d0c3901000-55d0c3a3c000 r--p 02f00000 fe:00 5343446                    /usr/local/bin/sixplane
        55d0c3a3c000-55d0c6100000 rw-p 0303b000 fe:00 5343446                    /usr/local/bin/sixplane
        55d0c6100000-55d0c6200000 rw-p 00000000 00:00 0
        7f1c2a000000-7f1c2a200000 r-xp 00000000 fe:00 131                        /usr/lib/x86_64-linux-gnu/libc.so.6
        7f1c2a200000-7f1c2a208000 rw-s 00000000 fe:00 140                        /home/controller.db-shm
        7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]
        7f1c2b000000-7f1c2b001000 r-xp 00000000 fe:00 132                        /opt/my apps/sixplane
        7f1c2c000000-7f1c2c001000 r-xp 00000000 fe:00 5343446                    /usr/local/bin/sixplane (deleted)
        zzzz-7f1c2d001000 r-xp 00000000 fe:00 5343446                            /usr/local/bin/sixplane
        7f1c2e001000-7f1c2e000000 r-xp 00000000 fe:00 5343446                    /usr/local/bin/sixplane
        garbage
        """

    @Test(arguments: [
        ("/usr/local/bin/sixplane", [
            ProgramPages.Mapping(start: 0x55d0_c0a0_0000, end: 0x55d0_c390_0000, path: "/usr/local/bin/sixplane"),
            ProgramPages.Mapping(start: 0x55d0_c390_1000, end: 0x55d0_c3a3_c000, path: "/usr/local/bin/sixplane"),
            ProgramPages.Mapping(start: 0x55d0_c3a3_c000, end: 0x55d0_c610_0000, path: "/usr/local/bin/sixplane"),
        ]),
        ("/usr/lib/x86_64-linux-gnu/libc.so.6", [
            ProgramPages.Mapping(start: 0x7f1c_2a00_0000, end: 0x7f1c_2a20_0000, path: "/usr/lib/x86_64-linux-gnu/libc.so.6")
        ]),
        ("/opt/my apps/sixplane", [
            ProgramPages.Mapping(start: 0x7f1c_2b00_0000, end: 0x7f1c_2b00_1000, path: "/opt/my apps/sixplane")
        ]),
        ("/usr/local/bin/sixplane (deleted)", [
            ProgramPages.Mapping(start: 0x7f1c_2c00_0000, end: 0x7f1c_2c00_1000, path: "/usr/local/bin/sixplane (deleted)")
        ]),
        // Shared mappings (a database's -shm) are not the program's, nor are anonymous ones.
        ("/home/controller.db-shm", []), ("[stack]", []),
    ])
    func findsTheProgramsPrivateFileMappings(path: String, expected: [ProgramPages.Mapping]) {
        #expect(ProgramPages.mappings(maps: Self.maps).filter { $0.path == path } == expected)
        #expect(ProgramPages.mappings(maps: Self.maps).count == 6, "the malformed lines are skipped")
    }

    @Test func mappingsAreBounded() {
        let line = "55d0c0a00000-55d0c3900000 r-xp 00000000 fe:00 1 /x\n"
        #expect(ProgramPages.mappings(maps: String(repeating: line, count: 1000)).count == 256)
    }

    @Test func releasingLowersThisProcesssResidentFilePages() throws {
        // This test binary's code has been running: much of it is resident.
        let outcome = try ProgramPages.release().get()
        #expect(outcome.advised > 1 << 20)
        #expect(outcome.refused == 0)
        #expect(outcome.residentFileBefore > 0)
        #expect(outcome.residentFileAfter < outcome.residentFileBefore - 1024, "\(outcome.residentFileBefore) -> \(outcome.residentFileAfter) KiB")
    }
}
