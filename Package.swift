// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Tidemark",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TSDB", targets: ["TSDB"]),
        .library(name: "RuleEval", targets: ["RuleEval"]),
        .executable(name: "tidemark", targets: ["Server"]),
        .executable(name: "tidemark-bench", targets: ["Bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CCPUHints"),
        .target(
            name: "TSDB",
            dependencies: [
                "CZstd", "CLZ4", "CSnappy", "CCPUHints",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "RuleEval",
            dependencies: ["TSDB", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "Server",
            dependencies: [
                "TSDB", "RuleEval", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "TSDB", "RuleEval", "CZlib",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TSDBTests", dependencies: ["TSDB"]),
        .testTarget(name: "RuleEvalTests", dependencies: ["RuleEval", "TSDB"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TSDB", "CZlib"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TSDB", "Bench", "Server"]),
    ],
    swiftLanguageModes: [.v6]
)
