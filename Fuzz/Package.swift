// swift-tools-version: 6.1
// libFuzzer harnesses for Bottleneck (README "Reliability" → "Fuzzing"). A separate package, so
// that the main `swift build` / `swift test` never compile them. Build and run with `make fuzz`:
//   swift build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
// (`--sanitize=fuzzer` tells SwiftPM to let libFuzzer own `main`; `-sanitize=fuzzer,address` as ONE
// flag keeps both, since the driver keeps only the last `-sanitize=`.)
import PackageDescription

let targets = ["logv2", "legacy", "kernel", "shell", "gzip", "rules", "analyze"]

let package = Package(
    name: "BottleneckFuzz",
    dependencies: [.package(name: "Bottleneck", path: "..")],
    targets: targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "BottleneckCore", package: "Bottleneck")],
            path: "Sources/fuzz-\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    },
    swiftLanguageModes: [.v6]
)
