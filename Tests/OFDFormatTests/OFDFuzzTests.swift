import Foundation
import TestSupport
import Testing

@testable import OFDFormat

/// Mutated packages and mutated XML parts never crash or hang the reader: each is read or refused with an OFDError.
/// 100,000 inputs in a release test run (`swift test -c release`), fewer in debug. Serialized, so the fuzz takes one
/// core and the daemon tests running beside it keep theirs.
@Suite(.serialized) struct OFDFuzzTests {
    #if DEBUG
        static let rounds = 4_000
    #else
        static let rounds = 100_000
    #endif

    /// A deterministic generator, so a failure names a reproducible round.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ input: [UInt8], _ random: inout SplitMix) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...64, using: &random)))
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 32)], at: at)
            case 4: bytes = Array(bytes.prefix(at))
            default: bytes[at] = [0x00, 0xFF, 0x3C, 0x3E, 0x2F, 0x26, 0x22][Int.random(in: 0..<7, using: &random)]
            }
        }
        return bytes
    }

    /// Reads everything a verifier would: structure, signature list, each Signature.xml, each page's text.
    static func readAll(_ bytes: [UInt8]) {
        guard let document = try? OFDDocument(package: OFDPackage(bytes: bytes)) else { return }
        for item in document.signatures?.items ?? [] {
            if let xml = document.package.entry(item.path)?.bytes {
                _ = try? SignatureDescription(xml, at: item.path)
            }
        }
        for page in document.pages {
            if let content = try? document.content(of: page) { _ = PageText(content).centres(of: "盖章") }
        }
    }

    func seeds() throws -> [[UInt8]] {
        var seeds = [try OFDSamples.package(OFDSamples.twoPages(), in: TemporaryDirectory())]
        for name in ["v4signed.ofd", "SESV4SignDoc.ofd", "DigitalSign.ofd", "helloworld.ofd"] {
            if let vector = TestPaths.vector("ofd", name) { seeds.append(vector) }
        }
        return seeds
    }

    @Test func mutatedPackagesAreReadOrRefused() throws {
        let seeds = try seeds()
        var random = SplitMix(state: 20_261_203)
        for _ in 0..<Self.rounds / 2 {
            Self.readAll(Self.mutate(seeds[Int.random(in: 0..<seeds.count, using: &random)], &random))
        }
    }

    @Test func mutatedXMLPartsAreReadOrRefused() throws {
        let parts: [[UInt8]] = try seeds().flatMap { seed in
            try OFDPackage(bytes: seed).entries.filter { $0.path.hasSuffix(".xml") }.map(\.bytes)
        }
        var random = SplitMix(state: 38_540)
        for _ in 0..<Self.rounds / 2 {
            let xml = Self.mutate(parts[Int.random(in: 0..<parts.count, using: &random)], &random)
            if let tree = try? XMLTree.parse(xml, part: "fuzz.xml") {
                _ = PageText(tree).centres(of: "章")
                _ = try? SignatureDescription(xml, at: "Doc_0/Signs/Sign_0/Signature.xml")
                var warnings: [String] = []
                _ = try? SignatureList(tree, at: "Doc_0/Signs/Signatures.xml", warnings: &warnings)
            }
        }
    }
}
