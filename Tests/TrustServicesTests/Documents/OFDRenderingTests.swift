import Foundation
import OFDFormat
import TestSupport
import Testing
import TrustModel

@testable import TrustServices

/// A sealed page rendered by an independent OFD renderer (easyofd, through PyMuPDF) shows the seal where its
/// StampAnnot Boundary says, at the seal's size.
@Suite struct OFDRenderingTests {
    /// A 96 × 96 PNG of a red ring, written by Python's standard library (as in the README).
    static func redRingPNG(in directory: TemporaryDirectory) throws -> [UInt8] {
        let script = #"""
            import struct, zlib, sys
            w = h = 96
            px = lambda x, y: b"\xd0\x10\x10\xff" if 30 < ((x - 48) ** 2 + (y - 48) ** 2) ** .5 < 46 else b"\0\0\0\0"
            raw = b"".join(b"\0" + b"".join(px(x, y) for x in range(w)) for y in range(h))
            ch = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
            open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
                                         + ch(b"IDAT", zlib.compress(raw)) + ch(b"IEND", b""))
            """#
        let made = try Subprocess.run(
            "/usr/bin/python3", ["-c", script, directory.file("ring.png")])
        guard made.succeeded else { throw TestSupportError(made.stderr) }
        return try directory.read("ring.png")
    }

    @Test func theSealIsDrawnWhereItsBoundarySays() async throws {
        let directory = try TemporaryDirectory()
        let fixture = try await SigningFixture(
            picture: SealService.Picture(
                format: "png", data: try Self.redRingPNG(in: directory), widthMM: 40, heightMM: 40))
        let sealer = DocumentSealer(signing: fixture.signing)
        let sealed = try await sealer.seal(
            DocumentSealer.Request(
                credential: .seal(fixture.sealID), signerPersonID: fixture.seals.applicantPerson,
                document: try OFDSamples.package(OFDSamples.twoPages(), in: directory),
                placements: [.page(.index(1), x: 120, y: 200)]),
            by: Caller(fixture.platform))
        let rendered = try Subprocess.run(
            try TestPaths.python,
            [TestPaths.pythonScript("ofd_render.py"), try directory.write("sealed.ofd", sealed.document)])
        let pages = try #require(
            (try? JSONSerialization.jsonObject(with: Data(rendered.stdout.utf8))) as? [[String: Any]],
            "\(rendered.stdout.prefix(500)) \(rendered.stderr.suffix(2000))")
        #expect(pages.count == 2)
        let fractions = try #require(pages.first?["red"] as? [Double], "no seal ink on page 1: \(pages)")
        // On the 210 × 297 mm page:
        let first = [fractions[0] * 210, fractions[1] * 297, fractions[2] * 210, fractions[3] * 297]
        // The ring fills the 40 × 40 mm box at (120, 200) to within a millimetre or two (its edge is anti-aliased).
        #expect(abs(first[0] - 120) < 2 && abs(first[1] - 200) < 2, "\(first)")
        #expect(abs(first[2] - 160) < 2 && abs(first[3] - 240) < 2, "\(first)")
        #expect(pages.last?["red"] is NSNull, "the second page has no seal: \(pages)")

        // A riding seal across both pages: each page shows its half at the right edge.
        let riding = try await sealer.seal(
            DocumentSealer.Request(
                credential: .seal(fixture.sealID), signerPersonID: fixture.seals.applicantPerson,
                document: sealed.document, placements: [.riding(first: 1, last: 2, y: 100)]),
            by: Caller(fixture.platform))
        let ridden = try Subprocess.run(
            try TestPaths.python,
            [TestPaths.pythonScript("ofd_render.py"), try directory.write("riding.ofd", riding.document)])
        let halves = try #require(
            (try? JSONSerialization.jsonObject(with: Data(ridden.stdout.utf8))) as? [[String: Any]],
            "\(ridden.stderr.suffix(2000))")
        let second = try #require(halves.last?["red"] as? [Double], "no seal ink on page 2: \(halves)")
        // easyofd draws the whole seal at the Boundary and ignores the Clip (readers that honour it show only the
        // right half): on page 2 the Boundary starts 40 mm from the edge, 100–140 mm down.
        #expect(abs(second[0] * 210 - 170) < 2 && second[2] * 210 > 205, "\(second.map { $0 * 210 })")
        #expect(abs(second[1] * 297 - 100) < 2 && abs(second[3] * 297 - 140) < 2, "\(second.map { $0 * 297 })")
    }
}
