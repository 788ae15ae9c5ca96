import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// New XML parts written through FoundationXML (libxml2 escapes and encodes them), in the namespace and with the
/// prefix the document already uses. Each part is serialised once; a signed Signature.xml is never written again.
public struct PartWriter: Sendable {
    public let prefix: String?
    public let namespace: String

    public init(prefix: String?, namespace: String = OFDDocument.namespaceURI) {
        self.prefix = prefix
        self.namespace = namespace
    }

    /// An element description: name, attributes in order, text, children.
    public struct Node: Sendable {
        public var name: String
        public var attributes: [(String, String)]
        public var text: String?
        public var children: [Node]

        public init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, _ children: [Node] = [])
        {
            self.name = name
            self.attributes = attributes
            self.text = text
            self.children = children
        }
    }

    /// The UTF-8 bytes of a document whose root is `root`.
    public func bytes(_ root: Node) -> [UInt8] {
        let element = build(root)
        if let prefix {
            element.addNamespace(XMLNode.namespace(withName: prefix, stringValue: namespace) as! XMLNode)
        } else {
            element.addNamespace(XMLNode.namespace(withName: "", stringValue: namespace) as! XMLNode)
        }
        let document = XMLDocument(rootElement: element)
        document.version = "1.0"
        document.characterEncoding = "UTF-8"
        return Array(document.xmlData(options: []))
    }

    private func build(_ node: Node) -> XMLElement {
        let element = XMLElement(name: prefix.map { "\($0):\(node.name)" } ?? node.name)
        for (name, value) in node.attributes {
            element.addAttribute(XMLNode.attribute(withName: name, stringValue: value) as! XMLNode)
        }
        if let text = node.text { element.stringValue = text }
        for child in node.children { element.addChild(build(child)) }
        return element
    }

    /// Signatures.xml listing `items` (IDs, types, absolute BaseLocs) with `maxSignID`.
    public func signatures(maxSignID: Int, items: [SignatureList.Item]) -> [UInt8] {
        bytes(
            Node(
                "Signatures", [],
                [Node("MaxSignId", text: String(maxSignID))]
                    + items.map {
                        Node("Signature", [("ID", $0.id), ("Type", $0.kind.rawValue), ("BaseLoc", "/" + $0.path)])
                    }))
    }

    /// OFD.xml with a `Signatures` pointer added to the first DocBody, every other byte as it was (the standard lets
    /// OFD.xml change only here, when the first signature is added).
    public static func addingSignaturesPointer(to ofdXML: [UInt8], path: String, prefix: String?) throws -> [UInt8] {
        let tag = prefix.map { "\($0):" } ?? ""
        let closing = Array("</\(tag)DocBody>".utf8)
        guard let at = firstIndex(of: closing, in: ofdXML) else {
            throw OFDError(.malformedStructure, "OFD.xml has no </\(tag)DocBody> to add the Signatures pointer to")
        }
        let pointer = Array("<\(tag)Signatures>/\(path)</\(tag)Signatures>".utf8)
        return Array(ofdXML[..<at]) + pointer + Array(ofdXML[at...])
    }
}
