import Foundation

/// Where a seal goes on the document.
public enum Placement: Sendable, Hashable {
    /// A page (1-based index, or the page's ID) and the seal's top-left corner in millimetres.
    case page(PageSelector, x: Double, y: Double)
    /// Centred on the n-th (1-based) occurrence of a text on any page ("盖在落款处").
    case keyword(String, occurrence: Int)
    /// A riding seal (骑缝章) across pages `first...last` (1-based), at the right edge, its top at `y` (centred on the
    /// page when nil): each page shows its slice of the seal (Boundary = the whole seal, Clip = the slice).
    case riding(first: Int, last: Int, y: Double?)
}

public enum PageSelector: Sendable, Hashable {
    case index(Int)
    case id(String)
}

/// Sealing modes (the names producers use): `continue` leaves Signatures.xml unprotected so later signatures keep the
/// earlier ones valid; `whole` protects it too, so nothing may follow.
public enum SealingMode: String, Sendable, CaseIterable {
    case `continue`
    case whole
}

/// Everything about a new signature that can be decided before it is signed: its ID and paths, the parts the
/// standard lets change (OFD.xml's pointer once, Signatures.xml), its stamp annotations, and the files it protects.
public struct SignaturePlan: Sendable {
    public let document: OFDDocument
    public let kind: SignatureList.Kind
    public let mode: SealingMode
    public let id: String
    public let signaturesPath: String
    public let signatureXMLPath: String
    public let signedValuePath: String
    /// Where Seal.esl goes (seals only).
    public let sealPath: String?
    /// The stamp annotations at the seal's size (``sized(_:)`` sets it once the seal is known).
    public private(set) var stampAnnots: [SignatureDescription.StampAnnot]
    /// The placements resolved against the document (pages read once), waiting for a size.
    private let anchors: [Anchor]
    /// OFD.xml with the Signatures pointer when this is the first signature.
    public let ofdXML: [UInt8]?
    public let signaturesXML: [UInt8]

    public init(
        document: OFDDocument, kind: SignatureList.Kind, mode: SealingMode, placements: [Placement],
        sealSize: (width: Double, height: Double)?, limits: OFDLimits = .default
    ) throws {
        self.document = document
        self.kind = kind
        self.mode = mode
        if let list = document.signatures, let signaturesPath = document.signaturesPath {
            for item in list.items {
                guard let bytes = document.package.entry(item.path)?.bytes,
                    let description = try? SignatureDescription(bytes, at: item.path, limits: limits)
                else { continue }
                if description.references.contains(where: { $0.path.lowercased() == signaturesPath.lowercased() }) {
                    throw OFDError(
                        .wholeProtected,
                        "signature \(item.id) protects the whole document (its Signatures.xml): a new signature would break it"
                    )
                }
            }
        }
        let signsDirectory =
            document.signaturesPath.map(PackagePath.directory(of:))
            ?? [PackagePath.directory(of: document.documentPath), "Signs"].filter { !$0.isEmpty }.joined(separator: "/")
        signaturesPath = document.signaturesPath ?? "\(signsDirectory)/Signatures.xml"
        let used = Set(document.package.entries.map(\.path))
        var index = document.signatures?.items.count ?? 0
        while used.contains(where: { $0.hasPrefix("\(signsDirectory)/Sign_\(index)/") }) { index += 1 }
        let directory = "\(signsDirectory)/Sign_\(index)"
        signatureXMLPath = "\(directory)/Signature.xml"
        signedValuePath = "\(directory)/SignedValue.dat"
        sealPath = kind == .seal ? "\(directory)/Seal.esl" : nil
        let number = (document.signatures?.maxSignID ?? 0) + 1
        id = String(number)
        let items =
            (document.signatures?.items ?? []) + [SignatureList.Item(id: id, kind: kind, path: signatureXMLPath)]
        signaturesXML = PartWriter(prefix: document.prefix, namespace: document.namespace).signatures(
            maxSignID: number, items: items)
        if document.signaturesPath == nil {
            ofdXML = try PartWriter.addingSignaturesPointer(
                to: document.package.bytes("OFD.xml"), path: signaturesPath, prefix: document.prefix)
        } else {
            ofdXML = nil
        }
        anchors = try Self.anchors(placements, in: document, limits: limits)
        stampAnnots = Self.stampAnnots(anchors, size: sealSize ?? Self.defaultSealSize, firstID: number * 100)
    }

    /// A seal's size when none is known yet (a digital signature, or a plan made before the checks).
    static let defaultSealSize = (width: 40.0, height: 40.0)

    /// The same plan with the stamp annotations at `sealSize` (no page is read again).
    public func sized(_ sealSize: (width: Double, height: Double)?) -> SignaturePlan {
        var plan = self
        plan.stampAnnots = Self.stampAnnots(
            anchors, size: sealSize ?? Self.defaultSealSize, firstID: (Int(id) ?? 1) * 100)
        return plan
    }

    /// The files the new signature protects, with the bytes they will have: every file of the sealed package except
    /// Signatures.xml (in `whole` mode that too) and the new signature's own Signature.xml and SignedValue.dat.
    public func protectedFiles(seal: [UInt8]?) -> [(path: String, bytes: [UInt8])] {
        var files: [(String, [UInt8])] = document.package.entries.compactMap { entry in
            if entry.path == signaturesPath { return nil }
            if entry.path == "OFD.xml", let ofdXML { return (entry.path, ofdXML) }
            return (entry.path, entry.bytes)
        }
        if let sealPath, let seal { files.append((sealPath, seal)) }
        if mode == .whole { files.append((signaturesPath, signaturesXML)) }
        return files
    }

    /// Signature.xml for this plan: written once; its bytes are what the signed value covers.
    public func signatureXML(
        references: [(path: String, checkValue: [UInt8])], checkMethod: String, signatureMethod: String,
        dateTime: String, provider: (name: String, version: String, company: String)
    ) -> [UInt8] {
        typealias Node = PartWriter.Node
        var info: [Node] = [
            Node(
                "Provider",
                [("ProviderName", provider.name), ("Version", provider.version), ("Company", provider.company)]),
            Node("SignatureMethod", text: signatureMethod),
            Node("SignatureDateTime", text: dateTime),
            Node(
                "References", [("CheckMethod", checkMethod)],
                references.map {
                    Node("Reference", [("FileRef", "/" + $0.path)], [Node("CheckValue", text: base64($0.checkValue))])
                }),
        ]
        info += stampAnnots.map { annot in
            Node(
                "StampAnnot",
                [("ID", annot.id), ("PageRef", annot.pageRef), ("Boundary", annot.boundary.text)]
                    + (annot.clip.map { [("Clip", $0.text)] } ?? []))
        }
        if let sealPath { info.append(Node("Seal", [], [Node("BaseLoc", text: "/" + sealPath)])) }
        return PartWriter(prefix: document.prefix, namespace: document.namespace).bytes(
            Node("Signature", [], [Node("SignedInfo", [], info), Node("SignedValue", text: "/" + signedValuePath)]))
    }

    /// The sealed package: the original entries byte for byte, the changed OFD.xml and Signatures.xml, the new parts.
    public func package(signatureXML: [UInt8], signedValue: [UInt8], seal: [UInt8]?) throws -> [UInt8] {
        var replacing = [signaturesPath: signaturesXML]
        if let ofdXML { replacing["OFD.xml"] = ofdXML }
        var adding: [(String, [UInt8])] = [(signaturesPath, signaturesXML)]
        if let sealPath, let seal { adding.append((sealPath, seal)) }
        adding += [(signatureXMLPath, signatureXML), (signedValuePath, signedValue)]
        return try PackageWriter.write(document.package, replacing: replacing, adding: adding)
    }

    /// A placement resolved against the document, before the seal's size is known.
    enum Anchor: Sendable {
        /// The seal's top-left corner.
        case corner(OFDDocument.Page, x: Double, y: Double)
        /// The seal's centre.
        case centre(OFDDocument.Page, x: Double, y: Double)
        /// Slice `offset` of `slices` of a riding seal on a page of `area`, its top at `y` (centred when nil).
        case slice(OFDDocument.Page, area: PageBox, offset: Int, slices: Int, y: Double?)
    }

    static func anchors(_ placements: [Placement], in document: OFDDocument, limits: OFDLimits) throws -> [Anchor] {
        var anchors: [Anchor] = []
        for placement in placements {
            switch placement {
            case .page(let selector, let x, let y):
                let page = try Self.page(selector, in: document)
                let area = try document.area(of: page, limits: limits)
                guard x >= 0, y >= 0, x < area.width, y < area.height else {
                    throw OFDError(
                        .placementNotFound, "(\(x), \(y)) mm is off page \(page.id) (\(area.width) × \(area.height) mm)"
                    )
                }
                anchors.append(.corner(page, x: x, y: y))
            case .keyword(let keyword, let occurrence):
                var remaining = occurrence
                var placed = false
                for page in document.pages where !placed && remaining >= 1 {
                    let centres = PageText(try document.content(of: page, limits: limits)).centres(of: keyword)
                    if remaining <= centres.count {
                        let centre = centres[remaining - 1]
                        anchors.append(.centre(page, x: centre.x, y: centre.y))
                        placed = true
                    }
                    remaining -= centres.count
                }
                guard placed else {
                    throw OFDError(.placementNotFound, "the document has no occurrence \(occurrence) of “\(keyword)”")
                }
            case .riding(let first, let last, let y):
                guard first >= 1, last <= document.pages.count, first < last else {
                    throw OFDError(
                        .placementNotFound,
                        "a riding seal needs at least two pages within 1–\(document.pages.count); \(first)–\(last) is not"
                    )
                }
                for (offset, number) in (first...last).enumerated() {
                    let page = document.pages[number - 1]
                    anchors.append(
                        .slice(
                            page, area: try document.area(of: page, limits: limits), offset: offset,
                            slices: last - first + 1, y: y))
                }
            }
        }
        guard !anchors.isEmpty else { throw OFDError(.placementNotFound, "a seal needs at least one placement") }
        return anchors
    }

    static func stampAnnots(_ anchors: [Anchor], size: (width: Double, height: Double), firstID: Int)
        -> [SignatureDescription.StampAnnot]
    {
        anchors.enumerated().map { index, anchor in
            let id = String(firstID + index)
            switch anchor {
            case .corner(let page, let x, let y):
                let box = PageBox(x: x, y: y, width: size.width, height: size.height)
                return .init(id: id, pageRef: page.id, boundary: box, clip: nil)
            case .centre(let page, let x, let y):
                let box = PageBox(x: x - size.width / 2, y: y - size.height / 2, width: size.width, height: size.height)
                return .init(id: id, pageRef: page.id, boundary: box, clip: nil)
            case .slice(let page, let area, let offset, let slices, let y):
                // As readers draw it: the Boundary is the whole seal, shifted so that this page's slice lies on the
                // right edge, and the Clip (in the Boundary's coordinates) keeps only that slice.
                let slice = size.width / Double(slices)
                let box = PageBox(
                    x: area.width - slice * Double(offset + 1), y: y ?? (area.height - size.height) / 2,
                    width: size.width, height: size.height)
                let clip = PageBox(x: Double(offset) * slice, y: 0, width: slice, height: size.height)
                return .init(id: id, pageRef: page.id, boundary: box, clip: clip)
            }
        }
    }

    static func page(_ selector: PageSelector, in document: OFDDocument) throws -> OFDDocument.Page {
        switch selector {
        case .index(let number):
            guard number >= 1, number <= document.pages.count else {
                throw OFDError(.placementNotFound, "page \(number) is not in 1–\(document.pages.count)")
            }
            return document.pages[number - 1]
        case .id(let id):
            guard let page = document.page(id: id) else {
                throw OFDError(.placementNotFound, "the document has no page with ID \(id)")
            }
            return page
        }
    }
}

func base64(_ bytes: [UInt8]) -> String {
    // Foundation's encoder; kept in one place so every CheckValue is written alike.
    Data(bytes).base64EncodedString()
}
