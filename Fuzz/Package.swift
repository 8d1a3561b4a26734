// swift-tools-version:6.1
// libFuzzer targets for molt's parsers of untrusted input. A package of its own, so that the
// main package's `swift build` and `swift test` neither build nor know these. Build and run
// them with `scripts/fuzz`, which passes `--sanitize fuzzer --sanitize address` (and
// `-Xswiftc -sanitize=fuzzer,address`, since swiftc keeps only the last -sanitize= flag).
import PackageDescription

/// One executable per parser; each defines `LLVMFuzzerTestOneInput` and gets libFuzzer's `main`.
/// `-parse-as-library`: no top-level code and no `main` of Swift's own.
func fuzzer(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: "fuzz-\(name)",
        dependencies: ["FuzzSupport"] + dependencies,
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "molt-fuzz",
    dependencies: [.package(name: "molt", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        fuzzer("http-response", [.product(name: "DockerEngine", package: "molt")]),
        fuzzer("json-stream", [.product(name: "DockerEngine", package: "molt")]),
        fuzzer("log-stream", [.product(name: "DockerEngine", package: "molt")]),
        fuzzer("engine-json", [.product(name: "DockerEngine", package: "molt")]),
        fuzzer("inventory-yaml", [.product(name: "Inventory", package: "molt")]),
        fuzzer("inventory-ini", [.product(name: "Inventory", package: "molt")]),
        fuzzer("playbook", [.product(name: "Playbook", package: "molt")]),
        fuzzer("known-hosts", [.product(name: "SSH", package: "molt")]),
        fuzzer("ssh-config", [.product(name: "SSHConfig", package: "molt")]),
        fuzzer("tar", [.product(name: "Packages", package: "molt")]),
        fuzzer("dpkg-status", [.product(name: "Packages", package: "molt")]),
        fuzzer("apk-installed", [.product(name: "Packages", package: "molt")]),
        fuzzer("package-version", [.product(name: "Packages", package: "molt")]),
    ]
)
