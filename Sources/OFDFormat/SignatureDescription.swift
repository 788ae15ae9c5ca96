import Foundation

/// A rectangle on a page in millimetres, as OFD writes it: `x y w h`.
public struct PageBox: Sendable, Hashable {
    public var x, y, width, height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    init?(_ text: String?) {
        guard let parts = text?.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap({ Double($0) }),
            parts.count == 4, parts.allSatisfy(\.isFinite), parts[2] >= 0, parts[3] >= 0
        else { return nil }
        (x, y, width, height) = (parts[0], parts[1], parts[2], parts[3])
    }

    public var text: String { [x, y, width, height].map { Self.number($0) }.joined(separator: " ") }

    static func number(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// Signature.xml (GB/T 33190 §18.2): what the signature says it protects and where its seal appears.
public struct SignatureDescription: Sendable {
    public struct Reference: Sendable {
        /// The FileRef as written.
        public let fileRef: String
        /// FileRef resolved to a normalised package path.
        public let path: String
        /// The decoded CheckValue (nil when it is not base64).
        public let checkValue: [UInt8]?
    }

    public struct StampAnnot: Sendable {
        public let id: String
        public let pageRef: String
        public let boundary: PageBox
        public let clip: PageBox?
    }

    public let providerName: String?
    public let providerVersion: String?
    public let providerCompany: String?
    public let signatureMethod: String?
    /// SignatureDateTime as written (its format varies between producers; see ``signatureDate``).
    public let signatureDateTime: String?
    public let checkMethod: String?
    public let references: [Reference]
    public let stampAnnots: [StampAnnot]
    /// The normalised path of Seal.esl when the description names one.
    public let sealPath: String?
    /// The normalised path of SignedValue.dat.
    public let signedValuePath: String

    public init(_ bytes: [UInt8], at path: String, limits: OFDLimits = .default) throws {
        let tree = try XMLTree.parse(bytes, part: path, limits: limits)
        guard tree.name == "Signature", let info = tree.child("SignedInfo") else {
            throw OFDError(.malformedStructure, "\(path) is not a Signature with SignedInfo")
        }
        let directory = PackagePath.directory(of: path)
        let provider = info.child("Provider")
        providerName = provider?.attributes["ProviderName"]
        providerVersion = provider?.attributes["Version"]
        providerCompany = provider?.attributes["Company"]
        signatureMethod = info.child("SignatureMethod")?.value
        signatureDateTime = info.child("SignatureDateTime")?.value
        let references = info.child("References")
        checkMethod = references?.attributes["CheckMethod"]
        self.references = try (references?.children("Reference") ?? []).map { reference in
            guard let fileRef = reference.attributes["FileRef"] else {
                throw OFDError(.malformedStructure, "a Reference in \(path) has no FileRef")
            }
            let value = reference.child("CheckValue")?.value ?? ""
            return Reference(
                fileRef: fileRef, path: try PackagePath.resolve(fileRef, against: directory),
                checkValue: Data(base64Encoded: value).map { Array($0) })
        }
        stampAnnots = try info.children("StampAnnot").map { annot in
            guard let pageRef = annot.attributes["PageRef"], let boundary = PageBox(annot.attributes["Boundary"]) else {
                throw OFDError(
                    .malformedStructure, "a StampAnnot in \(path) lacks PageRef or a Boundary of four numbers")
            }
            return StampAnnot(
                id: annot.attributes["ID"] ?? "", pageRef: pageRef, boundary: boundary,
                clip: PageBox(annot.attributes["Clip"]))
        }
        sealPath = try info.child("Seal")?.child("BaseLoc").map {
            try PackagePath.resolve($0.value, against: directory)
        }
        guard let signedValue = tree.child("SignedValue")?.value, !signedValue.isEmpty else {
            throw OFDError(.malformedStructure, "\(path) names no SignedValue")
        }
        signedValuePath = try PackagePath.resolve(signedValue, against: directory)
    }

    /// SignatureDateTime read in the forms producers write (`20211014033404Z`, `20201004072855.302Z`,
    /// `20201010151120`, `2020-10-23 19:45:37`, ISO 8601 with a zone); without a zone it is Beijing time (UTC+8).
    public var signatureDate: Date? { signatureDateTime.flatMap(Self.date(from:)) }

    public static func date(from text: String) -> Date? {
        if let iso = ISO8601DateFormatter().date(from: text) { return iso }
        var digits = text.filter(\.isNumber)
        let zulu = text.hasSuffix("Z")
        if let dot = text.firstIndex(of: ".") {  // drop fractional seconds
            digits = text[..<dot].filter(\.isNumber)
        }
        guard digits.count == 14 else { return nil }
        let numbers = [0, 4, 6, 8, 10, 12].map { start -> Int in
            let from = digits.index(digits.startIndex, offsetBy: start)
            return Int(digits[from..<digits.index(from, offsetBy: start == 0 ? 4 : 2)]) ?? -1
        }
        var components = DateComponents(
            year: numbers[0], month: numbers[1], day: numbers[2], hour: numbers[3], minute: numbers[4],
            second: numbers[5])
        components.timeZone = TimeZone(secondsFromGMT: zulu ? 0 : 8 * 3600)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = components.timeZone!
        guard let date = calendar.date(from: components), calendar.component(.month, from: date) == numbers[1] else {
            return nil
        }
        return date
    }
}
