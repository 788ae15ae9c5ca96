import Foundation

/// The parts of an OFD document that sealing and verification need: the first document's root, its pages (IDs and
/// content paths), its templates and its signature list. GB/T 33190 §7.4–7.5, §18.
public struct OFDDocument: Sendable {
    public struct Page: Sendable, Hashable {
        /// The `ID` attribute: what a StampAnnot's PageRef names.
        public let id: String
        /// The normalised path of the page's Content.xml.
        public let path: String
    }

    public let package: OFDPackage
    /// The namespace prefix OFD.xml uses (`ofd`, or nil for none): new parts are written the same way.
    public let prefix: String?
    public let namespace: String
    /// The normalised path of Document.xml.
    public let documentPath: String
    public let pages: [Page]
    /// CommonData/PageArea/PhysicalBox: the page size unless a page says otherwise (A4 when neither does).
    public let defaultPageArea: PageBox
    /// Template pages and other parts Document.xml names, as written (for the case check).
    public let referencedParts: [(declared: String, path: String)]
    /// The normalised path of Signatures.xml when the document has one.
    public let signaturesPath: String?
    public let signatures: SignatureList?
    /// What was read leniently (a path whose case differs from the stored entry, a missing Type…).
    public let warnings: [String]

    public static let namespaceURI = "http://www.ofdspec.org/2016"

    public init(package: OFDPackage, limits: OFDLimits = .default) throws {
        self.package = package
        var warnings = package.warnings
        guard let ofdEntry = package.lookup("OFD.xml") else {
            throw OFDError(.missingEntry, "the package has no OFD.xml: it is not an OFD document")
        }
        let ofd = try XMLTree.parse(ofdEntry.entry.bytes, part: "OFD.xml", limits: limits)
        guard ofd.name == "OFD", let body = ofd.child("DocBody") else {
            throw OFDError(.malformedStructure, "OFD.xml has no OFD/DocBody")
        }
        prefix = ofd.prefix
        namespace = ofd.namespace ?? Self.namespaceURI
        guard let root = body.child("DocRoot")?.value, !root.isEmpty else {
            throw OFDError(.malformedStructure, "OFD.xml names no DocRoot")
        }
        documentPath = try PackagePath.resolve(root, against: "")
        let documentBytes = try Self.part(package, documentPath, declared: root, warnings: &warnings)
        let document = try XMLTree.parse(documentBytes, part: documentPath, limits: limits)
        let documentDirectory = PackagePath.directory(of: documentPath)
        defaultPageArea =
            PageBox(document.child("CommonData")?.child("PageArea")?.child("PhysicalBox")?.value)
            ?? PageBox(x: 0, y: 0, width: 210, height: 297)
        var pages: [Page] = []
        for page in document.child("Pages")?.children("Page") ?? [] {
            guard let id = page.attributes["ID"], let loc = page.attributes["BaseLoc"] else {
                throw OFDError(.malformedStructure, "a Page in \(documentPath) lacks ID or BaseLoc")
            }
            let path = try PackagePath.resolve(loc, against: documentDirectory)
            _ = try Self.part(package, path, declared: loc, warnings: &warnings)
            pages.append(Page(id: id, path: package.lookup(path)?.entry.path ?? path))
        }
        guard !pages.isEmpty else { throw OFDError(.malformedStructure, "\(documentPath) has no pages") }
        self.pages = pages
        var parts: [(String, String)] = []
        for template in document.child("CommonData")?.children("TemplatePage") ?? [] {
            if let loc = template.attributes["BaseLoc"] {
                let path = try PackagePath.resolve(loc, against: documentDirectory)
                _ = try? Self.part(package, path, declared: loc, warnings: &warnings)
                parts.append((loc, path))
            }
        }
        referencedParts = parts
        if let declared = body.child("Signatures")?.value, !declared.isEmpty {
            let path = try PackagePath.resolve(declared, against: "")
            let bytes = try Self.part(package, path, declared: declared, warnings: &warnings)
            signaturesPath = package.lookup(path)?.entry.path ?? path
            signatures = try SignatureList(
                XMLTree.parse(bytes, part: path, limits: limits), at: signaturesPath!, warnings: &warnings)
        } else {
            signaturesPath = nil
            signatures = nil
        }
        self.warnings = warnings
    }

    public func page(id: String) -> Page? { pages.first { $0.id == id } }

    /// A page's content, parsed.
    public func content(of page: Page, limits: OFDLimits = .default) throws -> XMLTree {
        try XMLTree.parse(package.bytes(page.path), part: page.path, limits: limits)
    }

    /// A page's size: its own Area/PhysicalBox, else the document's.
    public func area(of page: Page, limits: OFDLimits = .default) throws -> PageBox {
        PageBox(try content(of: page, limits: limits).child("Area")?.child("PhysicalBox")?.value) ?? defaultPageArea
    }

    /// The bytes of a part the structure names; a case mismatch with the stored name is read and noted.
    static func part(_ package: OFDPackage, _ path: String, declared: String, warnings: inout [String]) throws
        -> [UInt8]
    {
        guard let found = package.lookup(path) else {
            throw OFDError(.missingEntry, "\(declared) is named in the document but the package has no \(path)")
        }
        if found.caseDiffers {
            warnings.append("\(declared) differs in case from the stored entry \(found.entry.path)")
        }
        return found.entry.bytes
    }
}

/// Signatures.xml: the highest signature ID used and one entry per signature (GB/T 33190 §18.1).
public struct SignatureList: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// An electronic seal (GB/T 38540 SES_Signature).
        case seal = "Seal"
        /// A digital signature (GM/T 0099: GM/T 0010 SignedData).
        case sign = "Sign"
    }

    public struct Item: Sendable {
        public let id: String
        public let kind: Kind
        /// The normalised path of this signature's Signature.xml.
        public let path: String

        public init(id: String, kind: Kind, path: String) {
            self.id = id
            self.kind = kind
            self.path = path
        }
    }

    public let maxSignID: Int
    public let items: [Item]

    init(_ tree: XMLTree, at path: String, warnings: inout [String]) throws {
        guard tree.name == "Signatures" else { throw OFDError(.malformedStructure, "\(path) is not Signatures") }
        let directory = PackagePath.directory(of: path)
        var items: [Item] = []
        for signature in tree.children("Signature") {
            guard let id = signature.attributes["ID"], let loc = signature.attributes["BaseLoc"] else {
                throw OFDError(.malformedStructure, "a Signature in \(path) lacks ID or BaseLoc")
            }
            let kind: Kind
            switch signature.attributes["Type"] {
            case nil:
                warnings.append("signature \(id) has no Type; read as Seal")
                kind = .seal
            case let written?:
                let trimmed = written.trimmingCharacters(in: .whitespaces)
                guard let known = Kind.allCases.first(where: { $0.rawValue.lowercased() == trimmed.lowercased() })
                else {
                    throw OFDError(.malformedStructure, "signature \(id) has Type \(written) (Seal or Sign)")
                }
                if known.rawValue != written {
                    warnings.append("signature \(id) has Type “\(written)”; read as \(known.rawValue)")
                }
                kind = known
            }
            items.append(Item(id: id, kind: kind, path: try PackagePath.resolve(loc, against: directory)))
        }
        self.items = items
        let declared = Int(tree.child("MaxSignId")?.value ?? "")
        let highest = items.compactMap { Int($0.id) }.max() ?? 0
        maxSignID = max(declared ?? 0, highest)
    }
}
