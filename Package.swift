// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pbcheck",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pbcheck", targets: ["pbcheck"]),
        .library(name: "PBCheckCore", targets: ["PBCheckCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CZ3",
            pkgConfig: "z3",
            providers: [.apt(["libz3-dev"])]
        ),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "CSupport"),
        .target(
            name: "PBCheckCore",
            dependencies: ["Yams", "CZ3", "CSupport", .product(name: "Crypto", package: "swift-crypto")],
            // The search touches only its own thread's objects; dynamic
            // exclusivity checks cost ~10% of its time.
            swiftSettings: [.swiftLanguageMode(.v5), .unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .executableTarget(
            name: "pbcheck",
            dependencies: [
                "PBCheckCore",
                "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "PBCheckCoreTests",
            dependencies: [
                "PBCheckCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
