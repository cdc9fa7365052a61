import ArgumentParser
import SixplaneCore

// Network ids and addresses read as arguments: a bad one is refused with the usage before anything runs.
extension NetworkID: ExpressibleByArgument {
    public init?(argument: String) {
        guard let id = try? NetworkID(hex: argument) else { return nil }
        self = id
    }
}

extension Address: ExpressibleByArgument {
    public init?(argument: String) {
        guard let a = try? Address(hex: argument) else { return nil }
        self = a
    }
}
