internal import COpenSSL
import Foundation

/// An X.500 distinguished name as an ordered list of attributes (RFC 5280 §4.1.2.4).
///
/// Attribute types use OpenSSL's short names where they exist (`CN`, `O`, `OU`, `C`, `ST`, `L`, `serialNumber`,
/// `emailAddress`, …) and dotted OIDs otherwise. Values are UTF-8.
public struct DistinguishedName: Sendable, Hashable, Codable, CustomStringConvertible {
    public struct Attribute: Sendable, Hashable, Codable {
        public let type: String
        public let value: String
        public init(_ type: String, _ value: String) {
            self.type = type
            self.value = value
        }
    }

    public let attributes: [Attribute]

    public init(_ attributes: [Attribute]) { self.attributes = attributes }

    /// Convenience: `DistinguishedName(["C": "CN", "O": "…"])` keeps the given order.
    public init(_ pairs: KeyValuePairs<String, String>) {
        self.attributes = pairs.map { Attribute($0.key, $0.value) }
    }

    /// Values of one attribute type, in order.
    public func values(_ type: String) -> [String] { attributes.filter { $0.type == type }.map(\.value) }

    /// The first common name, if any.
    public var commonName: String? { values("CN").first }

    /// RFC 4514-like text, most significant first as written here (`C=CN, O=…, CN=…`).
    public var description: String {
        attributes.map { "\($0.type)=\(escape($0.value))" }.joined(separator: ", ")
    }

    private func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            if ",+\"\\<>;=".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    // MARK: OpenSSL bridging

    /// Builds an owned `X509_NAME`. Unknown attribute types or values OpenSSL refuses are `.invalidArgument`.
    func makeX509Name() throws -> OpaquePointer {
        guard let name = X509_NAME_new() else { throw OpenSSL.error(.internalFailure, "cannot allocate a name") }
        for attribute in attributes {
            let bytes = Array(attribute.value.utf8)
            let ok = bytes.withUnsafeBufferPointer {
                X509_NAME_add_entry_by_txt(name, attribute.type, MBSTRING_UTF8, $0.baseAddress, Int32($0.count), -1, 0)
            }
            guard ok == 1 else {
                X509_NAME_free(name)
                throw OpenSSL.error(
                    .invalidArgument, "name attribute \(attribute.type) with value '\(attribute.value)' is not valid")
            }
        }
        return name
    }

    /// Reads a borrowed `X509_NAME`.
    init(borrowing name: OpaquePointer) {
        var attributes: [Attribute] = []
        for index in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, index),
                let object = X509_NAME_ENTRY_get_object(entry),
                let data = X509_NAME_ENTRY_get_data(entry)
            else { continue }
            attributes.append(Attribute(ObjectID.name(object), ASN1Text.utf8(data)))
        }
        self.attributes = attributes
    }
}

/// Object identifier helpers over OpenSSL's OBJ_* functions.
enum ObjectID {
    /// Short name if OpenSSL knows one, else the dotted form.
    static func name(_ object: OpaquePointer) -> String {
        let nid = OBJ_obj2nid(object)
        if nid != NID_undef, let short = OBJ_nid2sn(nid) { return String(cString: short) }
        return dotted(object)
    }

    /// Always the dotted form.
    static func dotted(_ object: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
        return String(decoding: buffer.prefix(Int(max(length, 0))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// An owned ASN1_OBJECT for a dotted OID (never looked up by name).
    static func make(_ dotted: String) throws -> OpaquePointer {
        guard let object = OBJ_txt2obj(dotted, 1) else {
            throw OpenSSL.error(.invalidArgument, "invalid object identifier \(dotted)")
        }
        return object
    }
}

enum ASN1Text {
    /// Any ASN.1 string type as UTF-8.
    static func utf8(_ string: UnsafePointer<ASN1_STRING>) -> String {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = ASN1_STRING_to_UTF8(&out, string)
        guard length >= 0, let out else {
            ERR_clear_error()
            return ""
        }
        defer { trustd_OPENSSL_free(out) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }

    static func utf8(_ string: UnsafeMutablePointer<ASN1_STRING>) -> String { utf8(UnsafePointer(string)) }

    /// ASN1_TIME → Date.
    static func date(_ time: UnsafePointer<ASN1_TIME>) -> Date? {
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// The bytes of an ASN1_STRING / OCTET STRING / INTEGER content.
    static func bytes(_ string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        guard let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))))
    }
}
