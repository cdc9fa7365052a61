import SixplaneCore
import SixplaneTestSupport
import Testing

@testable import SixplaneDaemon

/// The validator's 2 MiB is mapped for validations and goes once they stop, so an idle daemon does not carry it.
@Suite struct IdentityValidatorTests {
    @Test func theScratchIsMappedWhileValidationsComeAndReleasedWhenTheyStop() throws {
        let ids = SimIdentities.all
        try #require(ids.count >= 2)
        let forged = try Identity(parsing: "\(ids[1].address):0:" + ids[0].publicOnly.description.split(separator: ":")[2])
        let validator = IdentityValidator()
        #expect(!validator.isMapped)

        #expect(validator.isValid(ids[0].publicOnly))
        #expect(validator.isMapped)
        let stale = validator.releaseWhenIdle()
        #expect(!validator.isValid(forged))
        stale()
        #expect(validator.isMapped, "a validation came after the release was scheduled")

        let idle = validator.releaseWhenIdle()
        idle()
        #expect(!validator.isMapped)
        #expect(validator.isValid(ids[1].publicOnly), "mapped again for the next stranger")
        validator.release()
        #expect(!validator.isMapped)
    }
}
