/// Why an OFD package was refused. Each code is stable: the HTTP layer answers it with a precise 4xx and trustctl
/// prints it.
public struct OFDError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Not a ZIP archive, or one ZIPFoundation cannot read.
        case notZip = "ofd-not-zip"
        /// A file the structure needs (OFD.xml, Document.xml, a page, a signature part) is absent.
        case missingEntry = "ofd-missing-entry"
        /// An entry that does not inflate or fails its CRC — damaged, or encrypted (OFD has no encrypted entries).
        case unreadableEntry = "ofd-unreadable-entry"
        /// `..` above the root, a drive letter, a control character, a symbolic link.
        case unsafePath = "ofd-unsafe-path"
        /// Two entries that name one file once `\`, a leading `/` and `.` are normalised.
        case duplicateEntry = "ofd-duplicate-entry"
        /// Over a configured limit: package size, entry count, inflated size, compression ratio, XML size or depth.
        case tooLarge = "ofd-too-large"
        /// A DOCTYPE or entity declaration: never expanded, always refused.
        case forbiddenXML = "ofd-forbidden-xml"
        case malformedXML = "ofd-malformed-xml"
        /// Well-formed XML that is not the OFD structure the standard describes (no DocRoot, a Boundary that is not
        /// four numbers…).
        case malformedStructure = "ofd-malformed"
        /// A page, keyword or page range for a seal that the document does not have.
        case placementNotFound = "ofd-placement-not-found"
        /// An earlier signature protects the whole document: nothing may be added after it.
        case wholeProtected = "ofd-whole-protected"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
