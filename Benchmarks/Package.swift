// swift-tools-version:6.1
// The benchmarks of contactd: a package of their own, so that the benchmark harness never becomes
// a dependency of anyone who depends on contactd (STYLE.md). Run them with `scripts/bench-core`.
import PackageDescription

let package = Package(
    name: "contactd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // `name:` pins the name products are looked up by, whatever the checkout's folder is called.
        .package(name: "contactd", path: ".."),
        // This machine's mirror needs the trait spelled out: it keeps the malloc interposer (the
        // malloc metrics) and leaves out the Swift 6.3 ARC runtime interposer, which is not mirrored.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The inputs and the three workloads, shared by both executables below.
        .target(
            name: "CoreBenchFixtures",
            dependencies: [.product(name: "ContactCore", package: "contactd")]
        ),
        // package-benchmark suite: `swift package --package-path Benchmarks benchmark`.
        .executableTarget(
            name: "ContactCoreBenchmarks",
            dependencies: [
                "CoreBenchFixtures",
                .product(name: "ContactCore", package: "contactd"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ContactCoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // One process, one run: ContactCore against JSONSerialization on the same bytes, as ratios.
        .executableTarget(
            name: "core-ratio",
            dependencies: ["CoreBenchFixtures", .product(name: "ContactCore", package: "contactd")]
        ),
    ]
)
