internal import CLibXML2
import Foundation

/// One XML element of an OFD part, parsed by libxml2 and copied into a plain value. Elements and
/// attributes are matched by local name, because producers write the `ofd:` prefix, other prefixes, a default
/// namespace or none (see ../shared/specs/ofd.md). A DOCTYPE or entity declaration is refused before parsing, so no
/// entity is ever expanded and no external resource is ever fetched.
public struct XMLTree: Sendable {
    public let name: String
    public let prefix: String?
    public let namespace: String?
    /// Attributes by local name.
    public let attributes: [String: String]
    public let children: [XMLTree]
    /// The element's own text (its text children, concatenated, untrimmed).
    public let text: String

    public func child(_ local: String) -> XMLTree? { children.first { $0.name == local } }
    public func children(_ local: String) -> [XMLTree] { children.filter { $0.name == local } }
    /// The trimmed text: what a path, a number or an identifier is read from.
    public var value: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Every descendant named `local`, depth first.
    public func descendants(_ local: String) -> [XMLTree] {
        children.flatMap { ($0.name == local ? [$0] : []) + $0.descendants(local) }
    }

    /// Parses one part of the package (`part` names it in errors). libxml2 reads it strictly (no recovery: a broken
    /// part is refused, not repaired), without network access, entity substitution or DTD loading.
    public static func parse(_ bytes: [UInt8], part: String, limits: OFDLimits = .default) throws -> XMLTree {
        guard bytes.count <= limits.maxXMLBytes else {
            throw OFDError(
                .tooLarge, "\(part) is \(bytes.count) bytes; the limit for an XML part is \(limits.maxXMLBytes)")
        }
        if let declaration = forbiddenDeclaration(in: bytes) {
            throw OFDError(.forbiddenXML, "\(part) declares \(declaration); OFD parts never need one and it is refused")
        }
        LibXML.initialise
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlReadMemory($0, Int32(buffer.count), nil, nil, options)
            }
        }
        guard let document = parsed else { throw OFDError(.malformedXML, "\(part) is not well-formed XML") }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else {
            throw OFDError(.malformedXML, "\(part) has no root element")
        }
        return try XMLTree(root, document: document, depth: 1, limit: limits.maxXMLDepth, part: part)
    }

    private init(_ node: xmlNodePtr, document: xmlDocPtr, depth: Int, limit: Int, part: String) throws {
        guard depth <= limit else { throw OFDError(.tooLarge, "\(part) nests deeper than \(limit) elements") }
        name = LibXML.string(node.pointee.name) ?? ""
        prefix = node.pointee.ns.flatMap { LibXML.string($0.pointee.prefix) }
        namespace = node.pointee.ns.flatMap { LibXML.string($0.pointee.href) }
        var attributes: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            if let key = LibXML.string(current.pointee.name) {
                let value = xmlNodeListGetString(document, current.pointee.children, 1)
                attributes[key] = LibXML.string(value) ?? ""
                if let value { trustd_xml_free(value) }
            }
            attribute = current.pointee.next
        }
        self.attributes = attributes
        var children: [XMLTree] = []
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(try XMLTree(current, document: document, depth: depth + 1, limit: limit, part: part))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                text += LibXML.string(current.pointee.content) ?? ""
            default: break
            }
            child = current.pointee.next
        }
        self.children = children
        self.text = text
    }

    /// `<!DOCTYPE` or `<!ENTITY` anywhere (any case): the only doors to entity expansion and external fetches.
    static func forbiddenDeclaration(in bytes: [UInt8]) -> String? {
        let lowered = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        for keyword in ["doctype", "entity"] where firstIndex(of: Array("<!\(keyword)".utf8), in: lowered) != nil {
            return "a \(keyword.uppercased())"
        }
        return nil
    }
}

/// libxml2 set-up and string conversion, kept to this file so no libxml2 pointer leaves it.
enum LibXML {
    /// `xmlInitParser` once, before parsing on several threads.
    static let initialise: Void = xmlInitParser()

    static func string(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    static func string(_ pointer: UnsafeMutablePointer<xmlChar>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
