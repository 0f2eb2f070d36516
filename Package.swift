// swift-tools-version:6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "contactd",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ContactCore", targets: ["ContactCore"]),
        .library(name: "ContactClient", targets: ["ContactClient"]),
        .executable(name: "contactd", targets: ["contactd"]),
        .executable(name: "contactctl", targets: ["contactctl"]),
        .executable(name: "contactd-bench", targets: ["contactd-bench"]),
        // For FuzzTesting/ only (its fuzz executables and the replay tests share these checks).
        .library(name: "FuzzChecks", targets: ["FuzzChecks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(name: "ContactCore", swiftSettings: upcoming),
        .target(name: "CCRC32C"),
        .target(
            name: "ContactStore",
            dependencies: [
                "ContactCore",
                "CCRC32C",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "ContactPostgres",
            dependencies: [
                "ContactCore",
                "ContactStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "ContactServer",
            dependencies: [
                "ContactCore",
                "ContactStore",
                "CSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "contactd",
            dependencies: [
                "ContactCore",
                "ContactStore",
                "ContactServer",
                "ContactPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "ContactClient",
            dependencies: [
                "ContactCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "contactctl",
            dependencies: [
                "ContactClient",
                "ContactCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "contactd-bench",
            dependencies: [
                "SeededRandom",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: upcoming
        ),
        .target(name: "SeededRandom", swiftSettings: upcoming),
        .executableTarget(
            name: "update-harness",
            dependencies: ["ContactCore"],
            path: "Tests/Tools/update-harness",
            swiftSettings: upcoming
        ),
        .target(
            name: "ContactdTesting",
            dependencies: ["ContactCore", "ContactClient"],
            path: "Tests/ContactdTesting",
            swiftSettings: upcoming
        ),
        .target(
            name: "FuzzChecks",
            dependencies: [
                "ContactCore",
                "ContactStore",
                "ContactServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "FuzzTesting/Sources/FuzzChecks",
            swiftSettings: upcoming
        ),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FuzzChecks"], swiftSettings: upcoming),
        .testTarget(name: "ContactCoreTests", dependencies: ["ContactCore", "SeededRandom"], swiftSettings: upcoming),
        .testTarget(name: "ContactStoreTests", dependencies: ["ContactStore"], swiftSettings: upcoming),
        .testTarget(
            name: "ContactServerTests",
            dependencies: [
                "ContactServer",
                "ContactCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "ContactClientTests",
            dependencies: ["ContactClient", "ContactCore", "ContactdTesting"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "contactctlTests",
            dependencies: ["ContactClient", "ContactCore", "ContactdTesting"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "ContactPostgresTests",
            dependencies: ["ContactPostgres", "ContactCore"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: ["ContactCore", "ContactdTesting"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "contactdTests",
            dependencies: ["ContactCore", "ContactdTesting"],
            swiftSettings: upcoming
        ),
    ]
)
