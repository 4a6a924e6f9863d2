// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Tidemark",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TSDB", targets: ["TSDB"]),
        .executable(name: "tidemark", targets: ["Server"]),
        .executable(name: "tidemark-bench", targets: ["Bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .target(
            name: "TSDB",
            dependencies: [
                "CZstd", "CLZ4", "CSnappy",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Server",
            dependencies: [
                "TSDB",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "TSDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TSDBTests", dependencies: ["TSDB"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TSDB", "Bench", "Server"]),
    ],
    swiftLanguageModes: [.v6]
)
