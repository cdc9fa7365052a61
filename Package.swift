// swift-tools-version:6.1
import PackageDescription

// Hot crypto kernels are built a second time for AVX2 and picked at run time by CPUID (see SixplaneKernelsAVX2).
#if arch(x86_64)
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-O", "-target-cpu", "haswell"])]
#else
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-O"])]
#endif

let package = Package(
    name: "Sixplane",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sixplane", targets: ["sixplane"]),
        .executable(name: "sixplane-lab", targets: ["sixplane-lab"]),
        .library(name: "SixplaneCore", targets: ["SixplaneCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
    ],
    targets: [
        .target(
            name: "CSixplaneCrypto",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "SixplaneKernelsAVX2",
            swiftSettings: avx2Flags
        ),
        .target(
            name: "SixplaneCore",
            dependencies: [
                "CSixplaneCrypto",
                "SixplaneKernelsAVX2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            // The protocol core is crypto and packet loops: unoptimized it is ~100x slower, which makes debug-build
            // tests (identity hashes, simulations) take minutes. Optimize it in every configuration.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // JSON as ZeroTier reads and writes it: the controller's API and records, the local API, local.conf, CNI.
        .target(name: "SixplaneJSON", dependencies: ["SixplaneCore"]),
        // The local API's route table: the daemon routes on it, the CLI builds requests from it, the web UI reads it.
        .target(name: "SixplaneAPI", dependencies: ["SixplaneCore"]),
        .target(
            name: "SixplaneController",
            dependencies: [
                "SixplaneCore",
                "SixplaneJSON",
                "SixplaneAPI",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Linux calls Swift cannot make (ioctl is variadic, CMSG is macros): TAP devices, UDP GSO.
        .target(name: "CSixplaneTap"),
        .target(
            name: "SixplaneDaemon",
            dependencies: [
                "SixplaneCore",
                "SixplaneJSON",
                "SixplaneAPI",
                "SixplaneController",
                "SixplaneDNS",
                "CSixplaneTap",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web UI's files are compiled into the binary: nothing to install beside it.
            resources: [
                .embedInCode("WebUI/Assets/index.html"), .embedInCode("WebUI/Assets/style.css"),
                .embedInCode("WebUI/Assets/api.js"), .embedInCode("WebUI/Assets/dom.js"), .embedInCode("WebUI/Assets/app.js"),
                .embedInCode("WebUI/Assets/networks.js"), .embedInCode("WebUI/Assets/members.js"),
                .embedInCode("WebUI/Assets/node.js"),
            ]
        ),
        // DNS for the network's members and what hosts run: the message codec first.
        .target(name: "SixplaneDNS", dependencies: ["SixplaneCore"]),
        // The CNI plugin: pods on a host's 6PLANE /80 (the sixplane binary, run by a container runtime).
        .target(
            name: "SixplaneCNI",
            dependencies: ["SixplaneCore", "SixplaneJSON", "SixplaneAPI", "SixplaneDaemon", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "CAllocationCounter"),
        .executableTarget(
            name: "sixplane",
            dependencies: [
                "CAllocationCounter",
                "SixplaneCore",
                "SixplaneJSON",
                "SixplaneAPI",
                "SixplaneController",
                "SixplaneDaemon",
                "SixplaneCNI",
                "SixplaneDNS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(name: "CFuzzDriver"),
        .target(
            name: "SixplaneFuzzTargets",
            dependencies: ["SixplaneCore", "SixplaneJSON", "SixplaneController", "SixplaneDaemon", "SixplaneCNI", "SixplaneDNS"]
        ),
        .executableTarget(
            name: "sixplane-fuzz",
            dependencies: ["SixplaneFuzzTargets", "CFuzzDriver"]
        ),
        .target(
            name: "SixplaneLab",
            dependencies: ["SixplaneCore", "SixplaneJSON", "SixplaneController", "SixplaneDaemon", "SixplaneCNI", "CSixplaneTap"]
        ),
        .executableTarget(
            name: "sixplane-lab",
            dependencies: [
                "SixplaneCore", "SixplaneJSON", "SixplaneDaemon", "SixplaneLab", "SixplaneCNI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "SixplaneTestSupport",
            dependencies: ["SixplaneCore", "SixplaneDaemon", "SixplaneLab"],
            path: "Tests/SixplaneTestSupport"
        ),
        .testTarget(
            name: "SixplaneCoreTests",
            dependencies: ["SixplaneCore", "CSixplaneCrypto", "SixplaneTestSupport"]
        ),
        .testTarget(
            name: "SixplaneNodeTests",
            dependencies: ["SixplaneCore", "SixplaneTestSupport"]
        ),
        .testTarget(
            name: "SixplaneControllerTests",
            dependencies: ["SixplaneController", "SixplaneJSON", "SixplaneTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "SixplaneDaemonTests",
            dependencies: [
                "SixplaneDaemon", "SixplaneAPI", "SixplaneController", "SixplaneJSON", "SixplaneLab", "SixplaneTestSupport", "SixplaneCNI",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "SixplaneDNSTests",
            dependencies: ["SixplaneDNS", "SixplaneCore"]
        ),
        .testTarget(
            name: "SixplaneCNITests",
            dependencies: ["SixplaneCNI", "SixplaneJSON", "SixplaneCore"]
        ),
        .testTarget(
            name: "SixplaneFuzzTests",
            dependencies: ["SixplaneFuzzTargets", "SixplaneTestSupport"]
        ),
        .testTarget(
            name: "SixplaneCLITests",
            dependencies: ["sixplane", "SixplaneCore", "SixplaneJSON", "SixplaneAPI", "SixplaneTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
