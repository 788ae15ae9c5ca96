import Foundation
import TestSupport
import Testing

@testable import OFDFormat

func zipPackage(_ files: [(String, String)], directory: TemporaryDirectory) throws -> [UInt8] {
    try OFDSamples.package(files, in: directory)
}

func twoPages(extra: [(String, String)] = []) -> [(String, String)] { OFDSamples.twoPages(extra: extra) }

let minimalDocument = OFDSamples.document(pages: 2)

@Suite struct OFDPackageTests {
    @Test func aMinimalDocumentReadsWithPagesAndNoSignatures() throws {
        let directory = try TemporaryDirectory()
        let document = try OFDDocument(package: OFDPackage(bytes: zipPackage(twoPages(), directory: directory)))
        #expect(document.prefix == "ofd")
        #expect(document.documentPath == "Doc_0/Document.xml")
        #expect(document.pages.map(\.id) == ["1", "7"])
        #expect(document.pages.map(\.path) == ["Doc_0/Pages/Page_0/Content.xml", "Doc_0/Pages/Page_1/Content.xml"])
        #expect(document.signatures == nil)
        #expect(document.warnings.isEmpty)
    }

    @Test func keywordsAreFoundWithTheirPosition() throws {
        let directory = try TemporaryDirectory()
        let document = try OFDDocument(package: OFDPackage(bytes: zipPackage(twoPages(), directory: directory)))
        let text = PageText(try document.content(of: document.pages[1]))
        let centre = try #require(text.centres(of: "盖章处").first)
        // 发证机关 is four characters of 4 mm from x = 100; 盖章处 spans 116–128, baseline 204, size 4.
        #expect(abs(centre.x - 122) < 0.001)
        #expect(abs(centre.y - 202) < 0.001)
        #expect(text.centres(of: "不存在").isEmpty)
    }

    @Test func realProducersSlipsAreReadAndNamed() throws {
        let directory = try TemporaryDirectory()
        var files = twoPages()
        files[1].0 = "\\Doc_0\\Document.xml"
        files[2].0 = "/Doc_0/Pages/Page_0/content.xml"
        let document = try OFDDocument(package: OFDPackage(bytes: zipPackage(files, directory: directory)))
        #expect(document.pages.count == 2)
        #expect(document.warnings.contains { $0.contains("\\") })
        #expect(document.warnings.contains { $0.contains("differs in case") })
    }

    /// A Chinese name stored as GBK bytes without the UTF-8 flag, as older Chinese producers write it.
    @Test func gbkNamesAreReadAndNamed() throws {
        let directory = try TemporaryDirectory()
        let plain = try OFDSamples.package(twoPages(), in: directory)
        _ = try directory.write("plain.ofd", plain)
        let script = """
            import sys, zipfile
            src = zipfile.ZipFile(sys.argv[1])
            with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as out:
                for info in src.infolist():
                    out.writestr(info, src.read(info))
                out.writestr('Doc_0/Res/QQQQ.png', b'picture')
            # The name's bytes become GBK in both headers (zipfile would write UTF-8 and set the flag).
            data = open(sys.argv[2], 'rb').read().replace(b'QQQQ', '印章'.encode('gbk'))
            open(sys.argv[2], 'wb').write(data)
            """
        let made = try Subprocess.run(
            "/usr/bin/python3", ["-c", script, directory.file("plain.ofd"), directory.file("gbk.ofd")])
        try #require(made.succeeded, "\(made.stderr)")
        let package = try OFDPackage(bytes: directory.read("gbk.ofd"))
        #expect(try package.bytes("Doc_0/Res/印章.png") == Array("picture".utf8))
        #expect(package.warnings.contains { $0.contains("印章.png") && $0.contains("GBK") })
    }

    @Test(arguments: [
        ([UInt8]("not a zip at all".utf8), OFDError.Code.notZip),
        ([0x50, 0x4B, 0x03, 0x04, 0, 0, 0], OFDError.Code.notZip),
    ])
    func garbageIsNotAPackage(bytes: [UInt8], code: OFDError.Code) {
        #expect {
            _ = try OFDPackage(bytes: bytes)
        } throws: {
            ($0 as? OFDError)?.code == code
        }
    }

    @Test func hostilePackagesAreRefusedWithAPreciseCode() throws {
        let directory = try TemporaryDirectory()
        func code(_ files: [(String, String)], limits: OFDLimits = .default) throws -> OFDError.Code? {
            do {
                _ = try OFDDocument(package: OFDPackage(bytes: zipPackage(files, directory: directory), limits: limits))
                return nil
            } catch let error as OFDError { return error.code }
        }
        #expect(try code([("Doc_0/Document.xml", minimalDocument)]) == .missingEntry)
        #expect(try code(twoPages(extra: [("../evil.xml", "x")])) == .unsafePath)
        #expect(try code(twoPages(extra: [("C:/evil.xml", "x")])) == .unsafePath)
        #expect(try code(twoPages(extra: [("Doc_0\\Document.xml", "x")])) == .duplicateEntry)
        let doctype =
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:DocBody><ofd:DocRoot>&a;</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        var files = twoPages()
        files[0].1 = doctype
        #expect(try code(files) == .forbiddenXML)
        files[0].1 = "<ofd:OFD xmlns:ofd=\"x\"><ofd:DocBody>"
        #expect(try code(files) == .malformedXML)
        files[0].1 = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(try code(files) == .tooLarge)
        let bomb = twoPages(extra: [("Doc_0/Res/zeros.bin", String(repeating: "0", count: 4 << 20))])
        #expect(try code(bomb) == .tooLarge)
        #expect(try code(twoPages(), limits: OFDLimits(maxEntries: 3)) == .tooLarge)
        // A stored entry changed after zipping (or an encrypted one): its CRC fails.
        var damaged = try OFDSamples.package(twoPages(), in: directory, stored: true)
        let text = Array("许可证编号".utf8)
        let at = try #require(
            (0...(damaged.count - text.count)).first { damaged[$0..<$0 + text.count].elementsEqual(text) })
        damaged[at] ^= 0x01
        #expect {
            _ = try OFDPackage(bytes: damaged)
        } throws: { ($0 as? OFDError)?.code == .unreadableEntry }
        #expect(try code(twoPages(), limits: OFDLimits(maxTotalBytes: 1000)) == .tooLarge)
    }

    @Test func signatureListsReadTypesLenientlyAndRefuseUnknownOnes() throws {
        func list(_ body: String) throws -> ([SignatureList.Kind], [String]) {
            let xml = "<Signatures xmlns=\"http://www.ofdspec.org/2016\">\(body)</Signatures>"
            var warnings: [String] = []
            let parsed = try SignatureList(
                XMLTree.parse(Array(xml.utf8), part: "s"), at: "Doc_0/Signs/Signatures.xml", warnings: &warnings)
            return (parsed.items.map(\.kind), warnings)
        }
        let (kinds, warnings) = try list(
            #"<MaxSignId>3</MaxSignId><Signature ID="1" BaseLoc="Sign_0/Signature.xml"/>"#
                + #"<Signature ID="2" Type="seal" BaseLoc="Sign_1/Signature.xml"/>"#
                + #"<Signature ID="3" Type="Sign" BaseLoc="/Doc_0/Signs/Sign_2/Signature.xml"/>"#)
        #expect(kinds == [.seal, .seal, .sign])
        #expect(warnings.count == 2)
        #expect {
            _ = try list(#"<Signature ID="1" Type="Stamp" BaseLoc="a.xml"/>"#)
        } throws: { ($0 as? OFDError)?.code == .malformedStructure }
    }

    /// A deflate stream cut off at the end of the package is refused, quickly. (Whether ZIPFoundation's Linux inflate
    /// then errs or asks for input forever depends on the uninitialised tail of its read buffer, which it hands zlib
    /// whole; the watchdog test below covers the second case.)
    @Test func aDeflateStreamThatNeverEndsIsRefusedNotSpunOn() throws {
        let directory = try TemporaryDirectory()
        let script = """
            import struct, sys, zipfile
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_STORED) as z:
                z.writestr('OFD.xml', b'<OFD/>')
                # A non-final stored block announcing 65535 bytes, then nothing.
                z.writestr('Doc_0/cut.bin', b'\\x00\\xff\\xff\\x00\\x00')
            data = bytearray(open(sys.argv[1], 'rb').read())
            local = data.rfind(b'PK\\x03\\x04')
            central = data.rfind(b'PK\\x01\\x02')
            struct.pack_into('<H', data, local + 8, 8)      # compression method: deflate
            struct.pack_into('<H', data, central + 10, 8)
            open(sys.argv[1], 'wb').write(data)
            """
        let made = try Subprocess.run("/usr/bin/python3", ["-c", script, directory.file("cut.ofd")])
        try #require(made.succeeded, "\(made.stderr)")
        let started = Date()
        #expect {
            _ = try OFDPackage(bytes: directory.read("cut.ofd"))
        } throws: { ($0 as? OFDError)?.code == .unreadableEntry }
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func theInflateWatchdogExpiresAndFeedsTheStalledReader() throws {
        let file = try PackageFile(Array("PK".utf8))
        defer { file.remove() }
        let watchdog = InflateWatchdog(file: file, deadline: .milliseconds(50))
        for _ in 0..<100 where !watchdog.hasExpired { usleep(20_000) }
        #expect(watchdog.hasExpired)
        watchdog.finish()
        let size = try FileManager.default.attributesOfItem(atPath: file.url.path)[.size] as? Int ?? 0
        #expect(size > 2, "bytes were appended for the stalled read to find")
        let quiet = InflateWatchdog(file: file, deadline: .seconds(5))
        quiet.finish()
        #expect(!quiet.hasExpired)
    }

    @Test func pathsResolveAsTheStandardSays() throws {
        #expect(
            try PackagePath.resolve("/Doc_0/Signs/Sign_0/Signature.xml", against: "Doc_0/Signs")
                == "Doc_0/Signs/Sign_0/Signature.xml")
        #expect(
            try PackagePath.resolve("Sign_0/Signature.xml", against: "Doc_0/Signs")
                == "Doc_0/Signs/Sign_0/Signature.xml")
        #expect(try PackagePath.resolve("../Res/a.png", against: "Doc_0/Pages") == "Doc_0/Res/a.png")
        #expect(throws: OFDError.self) { try PackagePath.resolve("../../../etc/passwd", against: "Doc_0") }
        #expect(throws: OFDError.self) { try PackagePath.resolve("a\u{0}b", against: "") }
    }

    @Test func signatureDatesInEveryProducersForm() throws {
        let utc = { (text: String) in SignatureDescription.date(from: text)?.timeIntervalSince1970 }
        #expect(utc("20211014033404Z") == 1_634_182_444)
        #expect(utc("20201004072855.302Z") == 1_601_796_535)
        #expect(utc("20201010151120") == 1_602_313_880)  // Beijing time: 07:11:20Z
        #expect(utc("2020-10-23 19:45:37") == 1_603_453_537)
        #expect(utc("2026-12-03T10:00:00+08:00") == 1_796_263_200)
        #expect(utc("20201341000000Z") == nil)
    }
}
