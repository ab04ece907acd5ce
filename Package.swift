// swift-tools-version: 6.2
import PackageDescription

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

let package = Package(
    name: "newsd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "newsd", targets: ["newsd"]),
        .executable(name: "newsctl", targets: ["newsctl"]),
        // Libraries for the benchmarks' package (Benchmarks/), which depends on this one by path.
        .library(name: "NewsCore", targets: ["NewsCore"]),
        .library(name: "PostgresClient", targets: ["PostgresClient"]),
        .library(name: "TestSupport", targets: ["TestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C at the edge: libpq as a system library, and a shim for what Swift cannot import.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(name: "CNewsdSystem"),
        // CLD2 (language detection, Debian's libcld2-dev) has only a C++ API, so it gets no
        // system-library target of its own: Swift would need C++ interoperability to import its
        // headers. Instead a one-file C++ target includes them and offers three `extern "C"`
        // functions in a plain C header (include/CCLD2.h), which Swift imports like any C
        // module; the target links libcld2 (no pkg-config file exists for it), and SwiftPM
        // links the C++ runtime because the target is C++.
        .target(name: "CCLD2", linkerSettings: [.linkedLibrary("cld2")]),
        // Snowball's stemmers (Debian's libstemmer-dev): a plain C API, so a system-library
        // target like libpq's; its module map links libstemmer (there is no pkg-config file).
        .systemLibrary(name: "CLibStemmer", providers: [.apt(["libstemmer-dev"])]),
        // The operating system as Swift values: system calls with EINTR retried and errno as
        // SystemError, directories, inotify, sockets. The only module that imports CNewsdSystem.
        .target(name: "NewsSystem", dependencies: ["CNewsdSystem"]),

        // The only module that imports CLibPQ.
        .target(name: "PostgresClient", dependencies: ["CLibPQ"]),

        // The only module that imports CLibXML2: parses HTML and XML into Swift values.
        .target(name: "XMLSupport", dependencies: ["CLibXML2"]),

        // The only module that imports CCLD2: a text's language as an ISO 639 code.
        .target(name: "LanguageID", dependencies: ["CCLD2"]),

        // The only module that imports CLibStemmer: Snowball stemmers by ISO 639-1 code.
        .target(name: "Stemming", dependencies: ["CLibStemmer"]),

        // Article model and parsing: pure Swift, no I/O.
        .target(
            name: "NewsCore",
            dependencies: ["XMLSupport", "LanguageID", "Stemming", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // Request/response types shared by newsd and newsctl.
        .target(name: "NewsProtocol", dependencies: ["NewsSystem"]),

        // The daemon's engine: inbox, spool, queue, pools, writer, control server.
        .target(
            name: "IngestEngine",
            dependencies: [
                "NewsCore", "NewsProtocol", "PostgresClient", "NewsSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "newsd",
            dependencies: [
                "IngestEngine", "NewsSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "newsctl",
            dependencies: [
                // IngestEngine for `explain`: the code that decides a file's fate in newsd.
                "NewsProtocol", "NewsCore", "IngestEngine", "NewsSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The benchmarks (extract-bench, ingest-bench, dedup-bench) are a package of their own,
        // Benchmarks/Package.swift, which uses the library products above.
        // Unit tests: no database.

        .testTarget(name: "NewsProtocolTests", dependencies: ["NewsProtocol"]),
        .testTarget(name: "NewsCoreTests", dependencies: ["NewsCore", "Stemming", "TestSupport"]),
        .testTarget(name: "LanguageIDTests", dependencies: ["LanguageID"]),
        .testTarget(name: "StemmingTests", dependencies: ["Stemming"]),
        .testTarget(name: "NewsSystemTests", dependencies: ["NewsSystem"]),
        .testTarget(name: "IngestEngineTests", dependencies: ["IngestEngine", "NewsCore", "NewsProtocol", "NewsSystem", "TestSupport"]),
        // Integration tests: a real PostgreSQL that the harness starts.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["PostgresClient", "IngestEngine", "NewsCore", "NewsProtocol", "TestSupport"]
        ),
        // End-to-end tests: the built newsd and newsctl binaries.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["NewsProtocol", "PostgresClient", "TestSupport"]
        ),
        // Shared by the tests and by Benchmarks/ingest-bench (a library product above).
        .target(name: "TestSupport", dependencies: ["PostgresClient"], path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer target links only with -sanitize=fuzzer, so it exists only when scripts/fuzz
// asks for it (NEWSD_FUZZ=1); a plain `swift build` never sees it.
if ProcessInfo.processInfo.environment["NEWSD_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "fuzz-parsers",
            dependencies: ["NewsCore", "NewsProtocol", "NewsSystem", "IngestEngine", .product(name: "Logging", package: "swift-log")],
            path: "Fuzz/fuzz-parsers",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ))
}
