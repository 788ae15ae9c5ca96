// swift-tools-version:6.1
import PackageDescription

// trustd — PKI and trust-services appliance. Layout and dependency direction: ../shared/DESIGN.md §2.
// Executables → TrustServer → TrustServices → (TrustStore, KeyCustody, SealFormat, CardReader, TrustCrypto,
// TrustModel) → C targets. Only TrustCrypto, KeyCustody and CardReader import the C targets.

let package = Package(
    name: "trustd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "trustd", targets: ["trustd"]),
        .executable(name: "trustctl", targets: ["trustctl"]),
        .library(name: "TrustCrypto", targets: ["TrustCrypto"]),
        .library(name: "KeyCustody", targets: ["KeyCustody"]),
        .library(name: "CardReader", targets: ["CardReader"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        // Parses the JWTs platforms send (client assertions) and trustd's own tokens; OpenSSL checks the signatures.
        .package(url: "https://github.com/vapor/jwt-kit", exact: "5.8.0"),
    ],
    targets: [
        // MARK: C libraries
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPKCS11", pkgConfig: "p11-kit-1", providers: [.apt(["libp11-kit-dev"])]),
        // pkg-config adds -I/usr/include/PCSC; SwiftPM drops its `-pthread` with a harmless "prohibited flag" warning.
        // libxml2 for reading OFD parts strictly: FoundationXML parses in recovery mode and would accept broken XML.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CZLibChecksum", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPCSCLite", pkgConfig: "libpcsclite", providers: [.apt(["libpcsclite-dev"])]),
        // Seal pictures: Cairo draws, Pango shapes CJK text with fontconfig's fonts (fonts-noto-cjk).
        .systemLibrary(
            name: "CPangoCairo", pkgConfig: "pangocairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),

        // MARK: Libraries
        // One bounded LRU cache type (entries and bytes) for every cache in trustd.
        .target(name: "BoundedCache"),
        .target(name: "TrustCrypto", dependencies: ["COpenSSL", "BoundedCache"]),
        .target(
            name: "KeyCustody",
            dependencies: ["TrustCrypto", "CPKCS11", "BoundedCache", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "CardReader", dependencies: ["CPCSCLite", "TrustCrypto"]),
        .target(name: "TrustModel"),
        // Standard seal pictures (round and oval, star, arc text) as PNG and SVG, through Cairo and Pango.
        .target(name: "SealPictures", dependencies: ["CPangoCairo", "CZLibChecksum", "TrustModel"]),
        // GB/T 38540 electronic seals and seal signatures (swift-asn1; signatures through TrustCrypto).
        .target(name: "SealFormat", dependencies: ["TrustCrypto", .product(name: "SwiftASN1", package: "swift-asn1")]),
        // CMS SignedData (PKCS#7 and GM/T 0010) and RFC 3161 structures (swift-asn1): OpenSSL 3.0 cannot sign them with SM2.
        .target(name: "CMSFormat", dependencies: [.product(name: "SwiftASN1", package: "swift-asn1")]),
        // OFD packages (GB/T 33190): ZIP through ZIPFoundation (CRC through zlib), XML through libxml2, within limits;
        // parts are written through FoundationXML.
        .target(
            name: "OFDFormat",
            dependencies: [
                "CLibXML2", "CZLibChecksum", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        // The JSON shapes of the HTTP API, shared by the server and trustctl.
        .target(name: "APIContract"),
        .target(
            name: "TrustServices",
            dependencies: [
                "TrustModel", "TrustCrypto", "KeyCustody", "SealFormat", "CMSFormat", "OFDFormat", "BoundedCache",
                "SealPictures", .product(name: "Yams", package: "Yams"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        // Store engines: the repositories TrustServices declares, implemented for SQLite (GRDB).
        .target(
            name: "TrustStore",
            dependencies: [
                "TrustServices", "TrustModel", "TrustCrypto", "KeyCustody",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The second engine: PostgreSQL through PostgresNIO, for several trustd nodes on one database.
        .target(
            name: "TrustStorePostgres",
            dependencies: [
                "TrustServices", "TrustModel", "TrustStore", "TrustCrypto",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Backup and restore of an installation (one ZIP archive, the audit chain verified on restore).
        .target(
            name: "TrustBackup",
            dependencies: [
                "TrustServices", "TrustStore", "TrustModel", "TrustCrypto", "KeyCustody",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(
            name: "TrustServer",
            dependencies: [
                "APIContract", "TrustServices", "TrustModel", "TrustCrypto", "KeyCustody", "CMSFormat", "SealFormat",
                "OFDFormat",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("openapi.yaml"), .copy("Templates")]
        ),

        // MARK: Executables
        .executableTarget(
            name: "trustd",
            dependencies: [
                "TrustCrypto", "KeyCustody", "CardReader", "TrustModel", "TrustServer", "TrustServices", "TrustStore",
                "TrustStorePostgres", "OFDFormat", "TrustBackup",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "trustctl",
            dependencies: [
                "APIContract", "TrustCrypto", "KeyCustody", "CardReader",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "trust-bench",
            dependencies: [
                "TrustCrypto", "KeyCustody", "TrustStore", "TrustServices", "TrustModel", "APIContract",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/Sources/trust-bench"
        ),

        // MARK: Tests
        .target(
            name: "TestSupport", dependencies: ["TrustCrypto", "KeyCustody"], path: "Tests/Support", exclude: ["python"]
        ),
        .testTarget(name: "BoundedCacheTests", dependencies: ["BoundedCache"]),
        .testTarget(name: "TrustCryptoTests", dependencies: ["TrustCrypto", "TestSupport"]),
        .testTarget(name: "KeyCustodyTests", dependencies: ["KeyCustody", "TrustCrypto", "TestSupport"]),
        .testTarget(name: "CardReaderTests", dependencies: ["CardReader", "TestSupport"]),
        .testTarget(name: "TrustModelTests", dependencies: ["TrustModel"]),
        .testTarget(name: "SealPicturesTests", dependencies: ["SealPictures", "TestSupport"]),
        .testTarget(name: "CMSFormatTests", dependencies: ["CMSFormat", "TestSupport"]),
        .testTarget(name: "OFDFormatTests", dependencies: ["OFDFormat", "TestSupport"]),
        .testTarget(
            name: "TrustStoreTests",
            dependencies: [
                "TrustStore", "TrustStorePostgres", "TrustServices", "TrustModel", "TrustCrypto", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "SealFormatTests",
            dependencies: [
                "SealFormat", "TrustCrypto", "TestSupport",
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .testTarget(
            name: "TrustServerTests",
            dependencies: [
                "APIContract", "TrustServer", "TrustServices", "TrustStore", "TrustModel", "TrustCrypto", "KeyCustody",
                "TestSupport", "OFDFormat",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "TrustServicesTests",
            dependencies: [
                "TrustServices", "TrustStore", "TrustStorePostgres", "TrustModel", "TrustCrypto", "KeyCustody",
                "TestSupport", "SealFormat",
                "CMSFormat", "OFDFormat",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
