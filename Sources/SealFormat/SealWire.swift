import Foundation
import SwiftASN1

// The BER/DER wire forms of the seal structures (shared by v4 and v1).

// MARK: - Decoding (BER: vendors emit non-strict DER; signed bytes are kept as received)

enum Wire {
    static let maxDepthNote = "swift-asn1 bounds nesting depth"

    static func fail(_ message: String) -> SealFormatError { SealFormatError(message) }

    static func integer(_ iterator: inout ASN1NodeCollection.Iterator, _ field: String) throws -> Int {
        guard let node = iterator.next() else { throw fail("\(field) is missing") }
        do { return try Int(berEncoded: node) } catch { throw fail("\(field) is not a small INTEGER") }
    }

    static func ia5(_ iterator: inout ASN1NodeCollection.Iterator, _ field: String) throws -> String {
        guard let node = iterator.next() else { throw fail("\(field) is missing") }
        do { return String(try ASN1IA5String(berEncoded: node)) } catch { throw fail("\(field) is not an IA5String") }
    }

    static func octets(_ node: ASN1Node?, _ field: String) throws -> [UInt8] {
        guard let node else { throw fail("\(field) is missing") }
        do { return Array(try ASN1OctetString(berEncoded: node).bytes) } catch {
            throw fail("\(field) is not an OCTET STRING")
        }
    }

    static func bits(_ node: ASN1Node?, _ field: String, identifier: ASN1Identifier = .bitString) throws -> [UInt8] {
        guard let node else { throw fail("\(field) is missing") }
        do {
            let value = try ASN1BitString(berEncoded: node, withIdentifier: identifier)
            guard value.paddingBits == 0 else { throw fail("\(field) has unused bits") }
            return Array(value.bytes)
        } catch let error as SealFormatError {
            throw error
        } catch {
            throw fail("\(field) is not a BIT STRING")
        }
    }

    static func oid(_ node: ASN1Node?, _ field: String) throws -> String {
        guard let node else { throw fail("\(field) is missing") }
        do { return try ASN1ObjectIdentifier(berEncoded: node).description } catch {
            throw fail("\(field) is not an OBJECT IDENTIFIER")
        }
    }

    /// GeneralizedTime (v4) or UTCTime (GM/T 0031 v1).
    static func time(_ node: ASN1Node?, _ field: String) throws -> Date {
        guard let node else { throw fail("\(field) is missing") }
        // swift-asn1 has checked the fields' ranges (a real day of a real month); `timegm` turns them into seconds
        // without Foundation's Calendar, whose set-up cost 1 % of a verification (a seal signature has four times).
        let fields: (year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int)
        var fraction = 0.0
        if node.identifier == .utcTime {
            let value: UTCTime
            do { value = try UTCTime(berEncoded: node) } catch { throw fail("\(field) is not a valid UTCTime") }
            fields = (value.year, value.month, value.day, value.hours, value.minutes, value.seconds)
        } else {
            let value: GeneralizedTime
            do { value = try GeneralizedTime(berEncoded: node) } catch {
                throw fail("\(field) is not a GeneralizedTime")
            }
            fields = (value.year, value.month, value.day, value.hours, value.minutes, value.seconds)
            fraction = value.fractionalSeconds
        }
        var parts = tm()
        (parts.tm_year, parts.tm_mon, parts.tm_mday) = (
            Int32(fields.year - 1900), Int32(fields.month - 1), Int32(fields.day)
        )
        (parts.tm_hour, parts.tm_min, parts.tm_sec) = (
            Int32(fields.hours), Int32(fields.minutes), Int32(fields.seconds)
        )
        let seconds = timegm(&parts)
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    static func generalizedTime(_ date: Date) throws -> GeneralizedTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return try GeneralizedTime(
            year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!,
            fractionalSeconds: 0)
    }

    static func header(_ node: ASN1Node) throws -> SealHeader {
        try BER.sequence(node, identifier: .sequence) { nodes in
            SealHeader(
                id: try ia5(&nodes, "SES_Header.id"), version: try integer(&nodes, "SES_Header.version"),
                vendorID: try ia5(&nodes, "SES_Header.vid"))
        }
    }

    /// v4, or GM/T 0031 v1 (`legacy`: no certListType, UTCTime; a vendor's non-standard non-SEQUENCE certList is
    /// read as empty, as ofdrw does).
    static func property(_ node: ASN1Node, legacy: Bool = false) throws -> SealProperty {
        try BER.sequence(node, identifier: .sequence) { nodes in
            let type = try integer(&nodes, "property.type")
            guard let nameNode = nodes.next() else { throw fail("property.name is missing") }
            let name: String
            do { name = String(try ASN1UTF8String(berEncoded: nameNode)) } catch {
                throw fail("property.name is not a UTF8String")
            }
            let listType = legacy ? 1 : try integer(&nodes, "property.certListType")
            guard let listNode = nodes.next() else { throw fail("property.certList is missing") }
            if legacy && listNode.identifier != .sequence {
                return SealProperty(
                    type: type, name: name, certificateList: .certificates([]),
                    createDate: try time(nodes.next(), "property.createDate"),
                    validStart: try time(nodes.next(), "property.validStart"),
                    validEnd: try time(nodes.next(), "property.validEnd"))
            }
            let list: SealCertificateList
            switch listType {
            case 1:
                list = .certificates(
                    try BER.sequence(listNode, identifier: .sequence) { items in
                        var out: [[UInt8]] = []
                        while let item = items.next() { out.append(try octets(item, "certList.certs item")) }
                        return out
                    })
            case 2:
                list = .digests(
                    try BER.sequence(listNode, identifier: .sequence) { items in
                        var out: [CertificateDigest] = []
                        while let item = items.next() {
                            out.append(
                                try BER.sequence(item, identifier: .sequence) { fields in
                                    guard let typeNode = fields.next() else {
                                        throw fail("CertDigestObj.type is missing")
                                    }
                                    let type: String
                                    do { type = String(try ASN1PrintableString(berEncoded: typeNode)) } catch {
                                        throw fail("CertDigestObj.type is not a PrintableString")
                                    }
                                    return CertificateDigest(
                                        type: type, value: try octets(fields.next(), "CertDigestObj.value"))
                                })
                        }
                        return out
                    })
            default:
                throw fail("property.certListType \(listType) is neither 1 (certificates) nor 2 (digests)")
            }
            return SealProperty(
                type: type, name: name, certificateList: list,
                createDate: try time(nodes.next(), "property.createDate"),
                validStart: try time(nodes.next(), "property.validStart"),
                validEnd: try time(nodes.next(), "property.validEnd"))
        }
    }

    static func picture(_ node: ASN1Node) throws -> SealPicture {
        try BER.sequence(node, identifier: .sequence) { nodes in
            SealPicture(
                type: try ia5(&nodes, "picture.type"), data: try octets(nodes.next(), "picture.data"),
                widthMM: try integer(&nodes, "picture.width"), heightMM: try integer(&nodes, "picture.height"))
        }
    }

    /// `ExtensionDatas`, untagged or `[0]` (explicit, or implicit on the SEQUENCE OF).
    static func extensions(_ node: ASN1Node) throws -> [SealExtension] {
        guard case .constructed(let outer) = node.content else {
            throw fail("extDatas is not a constructed SEQUENCE OF")
        }
        var items = outer
        if node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            let children = Array(outer)
            if children.count == 1, children[0].identifier == .sequence, isExtensionList(children[0]),
                case .constructed(let inner) = children[0].content
            {
                items = inner  // [0] EXPLICIT
            }  // else [0] IMPLICIT: the tag's children are the ExtData items
        } else if node.identifier != .sequence {
            throw fail("extDatas has an unexpected tag")
        }
        var out: [SealExtension] = []
        for item in items {
            out.append(
                try BER.sequence(item, identifier: .sequence) { fields in
                    let oid = try oid(fields.next(), "ExtData.extnID")
                    var critical = false
                    var next = fields.next()
                    if let flag = next, flag.identifier == .boolean {
                        do { critical = try Bool(berEncoded: flag) } catch {
                            throw fail("ExtData.critical is not a BOOLEAN")
                        }
                        next = fields.next()
                    }
                    return SealExtension(oid: oid, critical: critical, value: try octets(next, "ExtData.extnValue"))
                })
        }
        guard out.count <= 64 else { throw fail("more than 64 extDatas") }  // DoS cap
        return out
    }

    private static func isExtensionList(_ node: ASN1Node) -> Bool {
        guard case .constructed(let items) = node.content else { return false }
        return items.allSatisfy { $0.identifier == .sequence }
    }

    static func sealInfo(_ node: ASN1Node, legacy: Bool = false) throws -> SealInfo {
        try BER.sequence(node, identifier: .sequence) { nodes in
            guard let headerNode = nodes.next(), let idNode = nodes.next(), let propertyNode = nodes.next(),
                let pictureNode = nodes.next()
            else {
                throw fail("SES_SealInfo needs header, esID, property and picture")
            }
            let esID: String
            do { esID = String(try ASN1IA5String(berEncoded: idNode)) } catch { throw fail("esID is not an IA5String") }
            let extensions = try nodes.next().map(extensions)
            return SealInfo(
                header: try header(headerNode), esID: esID, property: try property(propertyNode, legacy: legacy),
                picture: try picture(pictureNode), extensions: extensions)
        }
    }

    static func parse(_ bytes: [UInt8], maxSize: Int, what: String) throws -> ASN1Node {
        guard !bytes.isEmpty else { throw fail("\(what) is empty") }
        guard bytes.count <= maxSize else { throw fail("\(what) is larger than \(maxSize) bytes") }
        do { return try BER.parse(bytes) } catch { throw fail("\(what) is not valid ASN.1: \(error)") }
    }
}

// MARK: - Encoding (DER, the way ofdrw and vendors lay it out)

extension Wire {
    static func serialize(_ info: SealInfo, into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(ASN1IA5String(info.header.id))
                try coder.serialize(info.header.version)
                try coder.serialize(ASN1IA5String(info.header.vendorID))
            }
            try coder.serialize(ASN1IA5String(info.esID))
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                let property = info.property
                try coder.serialize(property.type)
                try coder.serialize(ASN1UTF8String(property.name))
                try coder.serialize(property.certificateList.typeCode)
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    switch property.certificateList {
                    case .certificates(let list):
                        for der in list { try coder.serialize(ASN1OctetString(contentBytes: der[...])) }
                    case .digests(let list):
                        for digest in list {
                            try coder.appendConstructedNode(identifier: .sequence) { coder in
                                try coder.serialize(ASN1PrintableString(digest.type))
                                try coder.serialize(ASN1OctetString(contentBytes: digest.value[...]))
                            }
                        }
                    }
                }
                try coder.serialize(try generalizedTime(property.createDate))
                try coder.serialize(try generalizedTime(property.validStart))
                try coder.serialize(try generalizedTime(property.validEnd))
            }
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(ASN1IA5String(info.picture.type))
                try coder.serialize(ASN1OctetString(contentBytes: info.picture.data[...]))
                try coder.serialize(info.picture.widthMM)
                try coder.serialize(info.picture.heightMM)
            }
            if let extensions = info.extensions {
                try serialize(extensions, into: &coder)
            }
        }
    }

    static func serialize(_ extensions: [SealExtension], into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            for ext in extensions {
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(try ASN1ObjectIdentifier(dotted: ext.oid))
                    if ext.critical { try coder.serialize(true) }
                    try coder.serialize(ASN1OctetString(contentBytes: ext.value[...]))
                }
            }
        }
    }
}

extension ASN1ObjectIdentifier {
    init(dotted: String) throws {
        let parts = dotted.split(separator: ".").map { UInt($0) }
        guard parts.count >= 2, parts.allSatisfy({ $0 != nil }) else {
            throw SealFormatError("'\(dotted)' is not a dotted OID")
        }
        try self.init(elements: parts.map { $0! })
    }
}
