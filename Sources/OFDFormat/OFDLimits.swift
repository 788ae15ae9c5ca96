/// Bounds on what reading an OFD package may cost. A real e-licence is a few hundred kilobytes in a few dozen entries;
/// the defaults leave two orders of magnitude and stop ZIP bombs, huge XML and deep nesting before they cost memory.
public struct OFDLimits: Sendable, Hashable {
    /// The package as received.
    public var maxPackageBytes: Int
    public var maxEntries: Int
    /// One entry, inflated.
    public var maxEntryBytes: Int
    /// All entries, inflated.
    public var maxTotalBytes: Int
    /// Inflated / stored size of an entry larger than 1 MiB inflated (deflate reaches about 1000:1 on zeros).
    public var maxRatio: Int
    /// One XML part (OFD.xml, Document.xml, a page, Signatures.xml, Signature.xml).
    public var maxXMLBytes: Int
    public var maxXMLDepth: Int

    public init(
        maxPackageBytes: Int = 32 << 20, maxEntries: Int = 4096, maxEntryBytes: Int = 32 << 20,
        maxTotalBytes: Int = 128 << 20, maxRatio: Int = 100, maxXMLBytes: Int = 8 << 20, maxXMLDepth: Int = 64
    ) {
        self.maxPackageBytes = maxPackageBytes
        self.maxEntries = maxEntries
        self.maxEntryBytes = maxEntryBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxRatio = maxRatio
        self.maxXMLBytes = maxXMLBytes
        self.maxXMLDepth = maxXMLDepth
    }

    public static let `default` = OFDLimits()
}
