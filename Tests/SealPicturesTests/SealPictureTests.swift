import Foundation
import SealPictures
import TestSupport
import Testing

/// Seal pictures drawn with Cairo and Pango, looked at by Pillow and ElementTree (`check_seal_picture.py`). The PNGs
/// are kept in `.build/test-artifacts/seal-pictures/` to be looked at by people too.
@Suite struct SealPictureTests {
    static var artifacts: String {
        ProcessInfo.processInfo.environment["TRUSTD_TEST_ARTIFACTS"].map { $0 + "/seal-pictures" }
            ?? TestPaths.packageRoot.appendingPathComponent(".build/test-artifacts/seal-pictures").path
    }

    func check(_ bytes: [UInt8], _ name: String) throws -> [String: Any] {
        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        let path = Self.artifacts + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let run = try Subprocess.run(try TestPaths.python, [TestPaths.pythonScript("check_seal_picture.py"), path])
        try #require(run.succeeded, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test func aRoundContractSealIs40mmAtTheStatedDPIRedOnTransparent() throws {
        let drawing = try SealDrawing(
            shape: .round, widthMM: 40, heightMM: 40, organization: "某某科技有限公司", label: "合同专用章",
            number: "3501000012345")
        let png = try SealPictureRenderer.png(drawing, dpi: 300)
        let seen = try check(png, "contract-40mm.png")
        // 40 mm at 300 dpi: 472.4 pixels, rounded up.
        #expect(seen["width"] as? Int == 473 && seen["height"] as? Int == 473)
        #expect(seen["dpi"] as? [Int] == [300, 300])
        #expect(seen["mode"] as? String == "RGBA")
        #expect(seen["cornerAlpha"] as? [Int] == [0, 0, 0, 0], "transparent outside the ring")
        #expect((seen["redShare"] as? Double ?? 0) > 0.97, "all ink is seal red: \(seen)")
        let share = seen["opaqueShare"] as? Double ?? 0
        #expect(share > 0.08 && share < 0.4, "ring, star and text, not a filled disc: \(share)")
        #expect((seen["centre"] as? [Int])?[3] == 255, "the star covers the centre")
    }

    @Test func theGlyphsAreDrawnNotBoxes() throws {
        func band(_ organization: String) throws -> String {
            let drawing = try SealDrawing(shape: .round, widthMM: 42, heightMM: 42, organization: organization)
            return try check(try SealPictureRenderer.png(drawing, dpi: 200), "official-\(organization.count).png")[
                "bandBits"] as? String ?? ""
        }
        // Two names of the same length: with boxes (a missing font) their ink would be the same shapes.
        let first = try band("某某科技有限公司")
        let second = try band("甲乙丙丁戊己庚辛")
        let differing = zip(first, second).filter { $0 != $1 }.count
        #expect(differing > first.count / 50, "different characters draw different ink")
        // A character no font has is refused, not drawn as a box.
        let unknown = try SealDrawing(shape: .round, widthMM: 42, heightMM: 42, organization: "某某\u{0378}公司")
        #expect(throws: SealPictureError.self) { try SealPictureRenderer.png(unknown) }
    }

    @Test func anInvoiceSealIsAn40By30OvalWithItsNumberAcross() throws {
        let drawing = try SealDrawing(
            shape: .oval, widthMM: 40, heightMM: 30, organization: "福建省某某软件开发有限责任公司", label: "发票专用章",
            number: "91350100M000100Y43")
        let seen = try check(try SealPictureRenderer.png(drawing, dpi: 300), "invoice-40x30mm.png")
        #expect(seen["width"] as? Int == 473 && seen["height"] as? Int == 355)
        #expect(seen["cornerAlpha"] as? [Int] == [0, 0, 0, 0])
        #expect((seen["redShare"] as? Double ?? 0) > 0.97)
    }

    @Test func theSVGIsInMillimetresWithTextAsOutlines() throws {
        let drawing = try SealDrawing(shape: .round, widthMM: 42, heightMM: 42, organization: "某某科技有限公司")
        let seen = try check(try SealPictureRenderer.svg(drawing), "official-42mm.svg")
        #expect(seen["width"] as? String == "42mm" && seen["height"] as? String == "42mm", "\(seen)")
        #expect((seen["paths"] as? Int ?? 0) > 0 && seen["texts"] as? Int == 0 && seen["scripts"] as? Int == 0)
    }

    @Test func whatCannotBeDrawnLegiblyIsRefused() {
        #expect(throws: SealPictureError.self) {
            try SealDrawing(shape: .round, widthMM: 40, heightMM: 30, organization: "某某")
        }
        #expect(throws: SealPictureError.self) {
            try SealDrawing(shape: .round, widthMM: 5, heightMM: 5, organization: "某某")
        }
        #expect(throws: SealPictureError.self) {
            try SealDrawing(shape: .round, widthMM: 40, heightMM: 40, organization: "某某\n公司")
        }
        #expect(throws: SealPictureError.self) {
            try SealDrawing(shape: .round, widthMM: 40, heightMM: 40, organization: "某某", number: "３５０１")
        }
        #expect(throws: SealPictureError.self) {
            try SealPictureRenderer.png(
                try SealDrawing(shape: .round, widthMM: 40, heightMM: 40, organization: "某某"), dpi: 2400)
        }
    }
}
