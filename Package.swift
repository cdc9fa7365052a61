// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Sixplane",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sixplane", targets: ["sixplane"]),
        .library(name: "SixplaneCore", targets: ["SixplaneCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
    ],
    targets: [
        .target(
            name: "CSixplaneCrypto",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "SixplaneCore",
            dependencies: [
                "CSixplaneCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            // The protocol core is crypto and packet loops: unoptimized it is ~100x slower, which makes debug-build
            // tests (identity hashes, simulations) take minutes. Optimize it in every configuration.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "SixplaneController",
            dependencies: ["SixplaneCore"]
        ),
        .target(
            name: "SixplaneDaemon",
            dependencies: [
                "SixplaneCore",
                "SixplaneController",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CAllocationCounter"),
        .executableTarget(
            name: "sixplane",
            dependencies: [
                "CAllocationCounter",
                "SixplaneCore",
                "SixplaneController",
                "SixplaneDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "sixplane-fuzz",
            dependencies: ["SixplaneCore", "CFuzzDriver"]
        ),
        .target(
            name: "SixplaneTestSupport",
            dependencies: ["SixplaneCore"],
            path: "Tests/SixplaneTestSupport"
        ),
        .testTarget(
            name: "SixplaneCoreTests",
            dependencies: ["SixplaneCore", "SixplaneTestSupport"]
        ),
        .testTarget(
            name: "SixplaneControllerTests",
            dependencies: ["SixplaneController", "SixplaneTestSupport"]
        ),
        .testTarget(
            name: "SixplaneDaemonTests",
            dependencies: ["SixplaneDaemon", "SixplaneTestSupport"]
        ),
        .testTarget(
            name: "SixplaneCLITests",
            dependencies: ["sixplane", "SixplaneCore", "SixplaneTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
