import Foundation
import SixplaneCNI
import SixplaneController
import SixplaneCore
import SixplaneDNS
import SixplaneDaemon
import SixplaneJSON

/// The fuzz targets: what `sixplane-fuzz --target=NAME` runs libFuzzer over, and what the corpus replay in the tests
/// feeds each committed input to. One instance per process; not thread-safe (libFuzzer calls from one thread).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A real node past the MAC: `NodeExercise`.
    case node
    /// Every wire parser on raw bytes, as datagrams arrive (`ParserExercise`).
    case wire
    /// The controller's API request sequences against a controller on an SQLite file.
    case controllerAPI = "controller-api"
    /// JSON text, and rule JSON to the wire form and back.
    case json
    case rules
    /// `local.conf` and the files of `networks.d`.
    case localConf = "local-conf"
    case networksD = "networks-d"
    /// The taps' segmentation and merging of TCP.
    case tap
    /// The CNI plugin's environment and configuration.
    case cni
    /// DNS messages: read, written back, cut to a UDP size.
    case dns
    /// What a host learns about what it runs (Docker's container list, CNI pod files) and its resolv.conf blocks.
    case hostNames = "host-names"

    /// Largest input worth trying (`-max_len`): node inputs carry 10 KB packets and 128 KiB configs.
    public var maxLength: Int {
        switch self {
        case .node, .networksD: 140_000
        case .wire: 12_000
        case .controllerAPI, .json, .rules, .localConf, .cni, .dns, .hostNames: 65_536
        case .tap: 66_000
        }
    }

    public final class Runner {
        public let target: FuzzTarget
        private lazy var node = NodeExercise()
        private lazy var wire = ParserExercise(keys: PeerKeys(key48: [UInt8](repeating: 0x5a, count: 48)))
        private lazy var controller = ControllerParserExercise(directory: NSTemporaryDirectory())

        public init(_ target: FuzzTarget) { self.target = target }

        public func run(_ bytes: [UInt8]) {
            switch target {
            case .node: node.run(bytes)
            case .wire: wire.all(bytes)
            case .controllerAPI: controller.apiRequests(bytes)
            case .json: ControllerParserExercise.json(bytes)
            case .rules: ControllerParserExercise.rules(bytes)
            case .localConf: DaemonParserExercise.localConf(bytes)
            case .networksD: DaemonParserExercise.networksD(bytes)
            case .tap: DaemonParserExercise.tapOffloads(bytes)
            case .cni: CNIParserExercise.run(bytes)
            case .dns: DNSParserExercise.run(bytes)
            case .hostNames: DaemonParserExercise.hostNames(bytes)
            }
        }
    }
}
