import Foundation

/// Small OFD documents for tests, zipped by Python's standard library (framing independent of ZIPFoundation).
public enum OFDSamples {
    public static let ofdXML = """
        <?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" DocType="OFD" Version="1.1"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>
        """

    /// Document.xml with `pages` pages (IDs 1, 7, 8, …: an ID is not an index).
    public static func document(pages: Int) -> String {
        let list = (0..<pages).map { index in
            "<ofd:Page ID=\"\(index == 0 ? 1 : index + 6)\" BaseLoc=\"Pages/Page_\(index)/Content.xml\"/>"
        }.joined()
        return """
            <?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData><ofd:Pages>\(list)</ofd:Pages></ofd:Document>
            """
    }

    /// A page with one line of text at (100, 200) mm, 4 mm characters.
    public static func page(_ text: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="2"><ofd:TextObject ID="4" Boundary="100 200 40 5" Font="3" Size="4"><ofd:TextCode X="0" Y="4" DeltaX="g 9 4">\(text)</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>
        """
    }

    /// An e-licence of two pages: the number on the first, "seal here" on the second.
    public static func twoPages(extra: [(String, String)] = []) -> [(String, String)] {
        [
            ("OFD.xml", ofdXML), ("Doc_0/Document.xml", document(pages: 2)),
            ("Doc_0/Pages/Page_0/Content.xml", page("许可证编号")), ("Doc_0/Pages/Page_1/Content.xml", page("发证机关盖章处")),
        ] + extra
    }

    /// `pages` pages of text, plus `padding` bytes of incompressible resource (for size benchmarks).
    public static func licence(pages: Int, padding: Int = 0) -> [(String, String)] {
        var files = [("OFD.xml", ofdXML), ("Doc_0/Document.xml", document(pages: pages))]
        for index in 0..<pages {
            files.append(
                ("Doc_0/Pages/Page_\(index)/Content.xml", page(index == pages - 1 ? "发证机关盖章处" : "第\(index + 1)页")))
        }
        if padding > 0 {
            var generator = SystemRandomNumberGenerator()
            let noise = (0..<padding).map { _ in UInt8.random(in: 0x21...0x7E, using: &generator) }
            files.append(("Doc_0/Res/noise.txt", String(decoding: noise, as: UTF8.self)))
        }
        return files
    }

    /// The files zipped (deflate, or stored) into an OFD package.
    public static func package(_ files: [(String, String)], in directory: TemporaryDirectory, stored: Bool = false)
        throws -> [UInt8]
    {
        let method = stored ? "zipfile.ZIP_STORED" : "zipfile.ZIP_DEFLATED"
        let script = """
            import sys, zipfile, json
            files = json.load(open(sys.argv[2]))
            with zipfile.ZipFile(sys.argv[1], 'w', \(method)) as z:
                for name, text in files:
                    z.writestr(zipfile.ZipInfo(name), text.encode('utf-8'), \(method))
            """
        let list = try JSONSerialization.data(withJSONObject: files.map { [$0.0, $0.1] })
        _ = try directory.write("files.json", Array(list))
        _ = try directory.write("make.py", script)
        let result = try Subprocess.run(
            "/usr/bin/python3", [directory.file("make.py"), directory.file("p.ofd"), directory.file("files.json")])
        guard result.succeeded else { throw TestSupportError(result.stderr) }
        return try directory.read("p.ofd")
    }
}
