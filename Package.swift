// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Bottleneck",
    products: [
        .executable(name: "bottleneck", targets: ["bottleneck"]),
        .library(name: "BottleneckCore", targets: ["BottleneckCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swhitty/FlyingFox.git", exact: "0.27.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .target(
            name: "BottleneckCore",
            dependencies: ["CZlib", "CSQLite", "CPCRE2", .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "Yams", package: "Yams")],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .executableTarget(
            name: "bottleneck",
            dependencies: [
                "BottleneckCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "BottleneckTestSupport", dependencies: ["BottleneckCore"]),
        .testTarget(
            name: "BottleneckCoreTests",
            dependencies: ["BottleneckCore", "BottleneckTestSupport", "bottleneck"],
            resources: []
        ),
    ],
    swiftLanguageModes: [.v6]
)
