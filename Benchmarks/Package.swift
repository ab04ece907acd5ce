// swift-tools-version: 6.2
// The benchmarks, in a package of their own so the product build (`swift build` at the root)
// builds none of them: `swift build -c release --package-path Benchmarks`, then
// `Benchmarks/.build/release/<name>`. They use the main package's libraries by path.
import PackageDescription

let package = Package(
    name: "newsd-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "newsd", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // HTML extraction quality and speed on an evaluation set.
        .executableTarget(
            name: "extract-bench",
            dependencies: [.product(name: "NewsCore", package: "newsd")]),
        // newsd against the PostgreSQL COPY ceiling: runs the main package's built newsd and newsctl.
        .executableTarget(
            name: "ingest-bench",
            dependencies: [
                .product(name: "NewsCore", package: "newsd"),
                .product(name: "PostgresClient", package: "newsd"),
                .product(name: "TestSupport", package: "newsd"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Entity recognition speed on real news text (the BBC corpus), the model against the rules.
        .executableTarget(
            name: "entity-bench",
            dependencies: [
                .product(name: "NewsCore", package: "newsd"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Near-duplicate lookup at scale: the SimHash index against a full scan.
        .executableTarget(
            name: "dedup-bench",
            dependencies: [
                .product(name: "NewsCore", package: "newsd"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
