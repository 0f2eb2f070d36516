// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for contactd; see README.md. Build with
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// The checks live in the main package (FuzzChecks), so `swift test` there replays the corpus.
let package = Package(
    name: "contactd-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "contactd", path: "..")
    ],
    targets: [.target(name: "FuzzDriver")]
        + ["FuzzJSON", "FuzzFraming", "FuzzUpdate", "FuzzJournal", "FuzzSnapshot"].map { name in
            .executableTarget(
                name: name,
                dependencies: ["FuzzDriver", .product(name: "FuzzChecks", package: "contactd")]
            )
        }
)
