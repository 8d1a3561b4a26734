// swift-tools-version:6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "molt",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "molt", targets: ["molt"]),
        // The parsers of untrusted input, for the fuzz targets in Fuzz/ (a package of its own).
        .library(name: "DockerEngine", targets: ["DockerEngine"]),
        .library(name: "Inventory", targets: ["Inventory"]),
        .library(name: "Playbook", targets: ["Playbook"]),
        .library(name: "Packages", targets: ["Packages"]),
        .library(name: "SSH", targets: ["SSH"]),
        .library(name: "SSHConfig", targets: ["SSHConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/ordo-one/TextTable", from: "0.0.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The C library: a module map and a shim header, nothing else.
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        // Durations: as operators write them (`1m30s`), and as seconds or milliseconds.
        .target(name: "Durations", swiftSettings: upcoming),
        // Sessions, channels, known_hosts, authentication: the only code that touches libssh2.
        .target(name: "SSH", dependencies: ["CLibSSH2", "Durations"], swiftSettings: upcoming),
        // The OpenSSH client configuration and Ansible's ssh arguments, resolved to plain values
        // as `ssh -G` would: pure, reads files only, knows nothing of libssh2.
        .target(name: "SSHConfig", swiftSettings: upcoming),
        // HTTP/1.1 over a byte stream and the Docker Engine API: knows nothing of SSH.
        .target(
            name: "DockerEngine",
            dependencies: [
                "Durations",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        // Limits on YAML text checked before Yams composes it (alias expansion, nesting, keys).
        .target(name: "BoundedYAML", dependencies: ["Yams"], swiftSettings: upcoming),
        // Ansible inventories and host patterns: pure, reads files only.
        .target(name: "Inventory", dependencies: ["Yams", "BoundedYAML"], swiftSettings: upcoming),
        // Installed-package databases (dpkg, apk), their version ordering, and tar archives.
        .target(name: "Packages", swiftSettings: upcoming),
        // The run journal, written as runs go and read by `molt history`: an SQLite file, or a
        // PostgreSQL server a team shares.
        .target(
            name: "Journal",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                "Durations", "JSONShape",
            ],
            swiftSettings: upcoming
        ),
        // How molt's JSON documents are shaped: `null` for what is absent, dates in ISO 8601 UTC.
        .target(name: "JSONShape", swiftSettings: upcoming),
        // The names and labels molt gives the containers it makes (NAME.molt-prev, locks, …).
        .target(name: "MoltNames", swiftSettings: upcoming),
        .target(name: "Playbook", dependencies: ["Yams", "BoundedYAML", "Durations", "MoltNames"], swiftSettings: upcoming),
        // Reaching many hosts at once: SSH sessions carrying Docker clients; status and find.
        .target(
            name: "Fleet",
            dependencies: ["SSH", "SSHConfig", "DockerEngine", "Inventory", "Packages", "MoltNames", "JSONShape"],
            swiftSettings: upcoming
        ),
        // Playbooks applied to a fleet: the per-host replacement, health checks, locks, batches
        // and the failure policy, written to the journal as they go.
        .target(
            name: "Rollout",
            dependencies: ["Fleet", "DockerEngine", "Inventory", "Packages", "Playbook", "Journal", "SSH", "Durations", "MoltNames", "JSONShape"],
            swiftSettings: upcoming
        ),
        // A Docker host modelled in memory, with scripted behaviour and faults: every branch of
        // the replacement state machine runs against it in milliseconds.
        .target(
            name: "MoltTestSupport",
            dependencies: ["DockerEngine", "Fleet", "Inventory", "Packages", "Rollout"],
            swiftSettings: upcoming
        ),
        // The executable: subcommands and output rendering, no business logic.
        .executableTarget(
            name: "molt",
            dependencies: [
                "Fleet", "Inventory", "DockerEngine", "Playbook", "Journal", "Rollout", "SSHConfig", "SSH", "Durations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "TextTable", package: "TextTable"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(name: "BoundedYAMLTests", dependencies: ["BoundedYAML"], swiftSettings: upcoming),
        .testTarget(name: "DurationsTests", dependencies: ["Durations"], swiftSettings: upcoming),
        // Corpus/ holds real inventories and Ansible's answers for them (scripts/ansible-corpus),
        // read from the source tree; Playbook's batch planner is held to Ansible's `serial`.
        .testTarget(name: "InventoryTests", dependencies: ["Inventory", "Playbook", "MoltTestSupport"], exclude: ["Corpus"], swiftSettings: upcoming),
        .testTarget(name: "PackagesTests", dependencies: ["Packages", "MoltTestSupport"], swiftSettings: upcoming),
        .testTarget(
            name: "JournalTests",
            dependencies: [
                // `molt`: `molt journal copy` and `molt history` run as an operator runs them.
                "Journal", "JSONShape", "MoltTestSupport", "molt", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming),
        .testTarget(name: "PlaybookTests", dependencies: ["Playbook", "MoltTestSupport"], swiftSettings: upcoming),
        .testTarget(
            name: "RolloutTests",
            dependencies: [
                "Rollout", "Playbook", "MoltTestSupport", "DockerEngine", "Fleet", "Inventory", "Journal", "MoltNames",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(name: "DockerEngineTests", dependencies: ["DockerEngine", "MoltTestSupport"], swiftSettings: upcoming),
        // The built `molt` executable given hostile files and journals: exit 2, a located message,
        // under a second and within 1 GiB of address space. Needs no lab.
        .testTarget(
            name: "HostileInputTests",
            dependencies: [
                "molt", "Journal", "MoltTestSupport", "Inventory", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
        // known_hosts reading and matching, with libssh2 but without a server.
        .testTarget(name: "SSHTests", dependencies: ["SSH", "MoltTestSupport"], swiftSettings: upcoming),
        // ssh_config resolution compared with the `ssh -G` of OpenSSH on this machine.
        .testTarget(name: "SSHConfigTests", dependencies: ["SSHConfig", "MoltTestSupport"], swiftSettings: upcoming),
        // Integration tests against the real lab fleet (`scripts/lab up`): SSH, the Docker API
        // through SSH, status, find and the `molt` executable itself.
        .testTarget(
            name: "FleetTests",
            dependencies: ["Fleet", "SSH", "SSHConfig", "DockerEngine", "Inventory", "Packages", "Rollout", "MoltTestSupport", "molt"],
            swiftSettings: upcoming
        ),
    ]
)
