import Foundation
import TrustCrypto
import TrustModel
import Yams

/// The certificate profiles in `policies/profiles/*.yaml`, loaded and validated at start.
/// Every problem names the file, the line and the field.
public struct ProfileCatalog: Sendable {
    public let profiles: [String: CertificateProfile]

    public init(profiles: [CertificateProfile]) {
        self.profiles = Dictionary(profiles.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func profile(_ name: String) throws -> CertificateProfile {
        guard let profile = profiles[name] else {
            throw TrustError.notFound(
                "no certificate profile '\(name)' (known: \(profiles.keys.sorted().joined(separator: ", ")))")
        }
        return profile
    }

    /// Profiles every trustd installation must have.
    public static let requiredProfiles = [
        "root-ca", "issuing-ca", "seal-maker", "seal", "person-signing", "org-signing",
        "tls-server", "tls-client", "ocsp-signer", "tsa", "card-holder",
    ]

    static let subjectAttributes: Set<String> = [
        "CN", "O", "OU", "C", "ST", "L", "serialNumber", "emailAddress", "title",
        "givenName", "SN", "street", "postalCode", "DC", "UID", "organizationIdentifier",
    ]

    /// Loads every `*.yaml` in `directory`.
    public static func load(directory: String, requireStandardSet: Bool = true) throws -> ProfileCatalog {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw TrustError.invalid("\(directory): cannot read the profile directory")
        }
        var profiles: [CertificateProfile] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            profiles.append(try loadFile("\(directory)/\(name)"))
        }
        let catalog = ProfileCatalog(profiles: profiles)
        if requireStandardSet {
            let missing = requiredProfiles.filter { catalog.profiles[$0] == nil }
            guard missing.isEmpty else {
                throw TrustError.invalid("\(directory): missing profiles \(missing.joined(separator: ", "))")
            }
        }
        return catalog
    }

    /// Loads one profile file.
    public static func loadFile(_ path: String) throws -> CertificateProfile {
        let reader = YAMLReader(path: path)
        let (root, map) = try reader.loadMapping(field: "profile")
        try reader.onlyKnown(
            map,
            [
                "name", "description", "issuedBy", "keyTypes", "validityDays", "ca", "pathLength", "keyUsage",
                "extendedKeyUsage", "extendedKeyUsageCritical", "ocspNoCheck", "subject", "subjectAltNames",
                "identityExtensions",
            ], in: "profile")
        let name = try reader.string(map, "name", root)
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard name == base else {
            throw reader.fail(map["name"] ?? root, "name", "'\(name)' must match the file name '\(base)'")
        }
        let issuedBy = try reader.string(map, "issuedBy", root)
        guard ["self", "root", "issuing"].contains(issuedBy) else {
            throw reader.fail(map["issuedBy"]!, "issuedBy", "must be self, root or issuing, not '\(issuedBy)'")
        }
        let keyTypes = try reader.strings(map, "keyTypes", root)
        guard !keyTypes.isEmpty else {
            throw reader.fail(map["keyTypes"]!, "keyTypes", "must list at least one key type")
        }
        for type in keyTypes where KeyType(name: type)?.rawValue != type {
            throw reader.fail(
                map["keyTypes"]!, "keyTypes", "unknown key type '\(type)' (sm2, rsa2048, rsa3072, rsa4096, p256)")
        }
        let validity = try reader.int(map, "validityDays", root)
        guard (1...36500).contains(validity) else {
            throw reader.fail(map["validityDays"]!, "validityDays", "must be 1 to 36500")
        }
        let isCA = try reader.bool(map, "ca", default: false)
        var pathLength: Int? = nil
        if map["pathLength"] != nil {
            pathLength = try reader.int(map, "pathLength", root)
            guard isCA, pathLength! >= 0 else {
                throw reader.fail(map["pathLength"]!, "pathLength", "needs ca: true and a value ≥ 0")
            }
        }
        let keyUsage = try reader.strings(map, "keyUsage", root)
        for usage in keyUsage where KeyUsage(name: usage) == nil {
            throw reader.fail(map["keyUsage"]!, "keyUsage", "unknown key usage '\(usage)'")
        }
        if isCA && !keyUsage.contains("keyCertSign") {
            throw reader.fail(map["keyUsage"]!, "keyUsage", "a CA profile must include keyCertSign")
        }
        if !isCA && keyUsage.contains("keyCertSign") {
            throw reader.fail(map["keyUsage"]!, "keyUsage", "keyCertSign needs ca: true")
        }
        var eku: [String] = []
        if map["extendedKeyUsage"] != nil {
            for value in try reader.strings(map, "extendedKeyUsage", root) {
                if let oid = ExtendedKeyUsage.names[value] {
                    eku.append(oid)
                } else if value.split(separator: ".").count >= 3, value.allSatisfy({ $0.isNumber || $0 == "." }) {
                    eku.append(value)
                } else {
                    throw reader.fail(
                        map["extendedKeyUsage"]!, "extendedKeyUsage",
                        "unknown usage '\(value)' (\(ExtendedKeyUsage.names.keys.sorted().joined(separator: ", ")) or a dotted OID)"
                    )
                }
            }
        }
        var required: [String] = []
        var allowed: [String] = []
        if let subjectNode = map["subject"] {
            guard let subject = subjectNode.mapping else {
                throw reader.fail(subjectNode, "subject", "must be a mapping")
            }
            try reader.onlyKnown(subject, ["required", "allowed"], in: "subject")
            required =
                subject["required"] == nil
                ? [] : try reader.strings(subject, "required", subjectNode, field: "subject.required")
            allowed =
                subject["allowed"] == nil
                ? [] : try reader.strings(subject, "allowed", subjectNode, field: "subject.allowed")
            for attribute in required + allowed where !subjectAttributes.contains(attribute) {
                throw reader.fail(subjectNode, "subject", "unknown attribute '\(attribute)'")
            }
        }
        var sanKinds: [CertificateProfile.SubjectAltNameKind] = []
        var sanRequired = false
        var sanMax = 0
        if let sanNode = map["subjectAltNames"] {
            guard let san = sanNode.mapping else { throw reader.fail(sanNode, "subjectAltNames", "must be a mapping") }
            try reader.onlyKnown(san, ["types", "required", "max"], in: "subjectAltNames")
            for kind in try reader.strings(san, "types", sanNode, field: "subjectAltNames.types") {
                guard let parsed = CertificateProfile.SubjectAltNameKind(rawValue: kind) else {
                    throw reader.fail(sanNode, "subjectAltNames.types", "unknown type '\(kind)' (dns, ip, email, uri)")
                }
                sanKinds.append(parsed)
            }
            sanRequired = try reader.bool(san, "required", default: false)
            sanMax = san["max"] == nil ? 10 : try reader.int(san, "max", sanNode, field: "subjectAltNames.max")
            guard (1...100).contains(sanMax) else {
                throw reader.fail(sanNode, "subjectAltNames.max", "must be 1 to 100")
            }
        }
        var identity: [CertificateProfile.IdentityExtension: CertificateProfile.Requirement] = [:]
        if let idNode = map["identityExtensions"] {
            guard let ids = idNode.mapping else { throw reader.fail(idNode, "identityExtensions", "must be a mapping") }
            for (key, value) in ids {
                guard let kindText = key.string, let kind = CertificateProfile.IdentityExtension(rawValue: kindText)
                else {
                    throw reader.fail(
                        key, "identityExtensions",
                        "unknown extension '\(key.string ?? "?")' (\(CertificateProfile.IdentityExtension.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                guard let text = value.string, let requirement = CertificateProfile.Requirement(rawValue: text) else {
                    throw reader.fail(value, "identityExtensions.\(kindText)", "must be required or optional")
                }
                identity[kind] = requirement
            }
        }
        return CertificateProfile(
            name: name, description: map["description"]?.string ?? "", keyTypes: keyTypes, validityDays: validity,
            issuedBy: issuedBy, isCA: isCA, pathLength: pathLength, keyUsage: keyUsage, extendedKeyUsage: eku,
            extendedKeyUsageCritical: try reader.bool(map, "extendedKeyUsageCritical", default: false),
            subjectRequired: required, subjectAllowed: allowed, subjectAltNameKinds: sanKinds,
            subjectAltNameRequired: sanRequired,
            subjectAltNameMax: sanMax, identityExtensions: identity,
            ocspNoCheck: try reader.bool(map, "ocspNoCheck", default: false))
    }
}

/// Typed reads from a Yams node tree with errors that point at `file:line` and the field.
struct YAMLReader {
    let path: String

    /// Reads and parses the file; its top level must be a mapping (`field` names it in the error).
    func loadMapping(field: String) throws -> (root: Node, map: Node.Mapping) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrustError.invalid("\(path): cannot read")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) else {
                throw TrustError.invalid("\(path): the file is empty")
            }
            root = node
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError.invalid("\(path): not valid YAML: \(error)")
        }
        guard let map = root.mapping else { throw fail(root, field, "the top level must be a mapping") }
        return (root, map)
    }

    func fail(_ node: Node, _ field: String, _ problem: String) -> TrustError {
        let line = node.mark.map { ":\($0.line)" } ?? ""
        return TrustError.invalid("\(path)\(line): \(field): \(problem)")
    }

    func onlyKnown(_ map: Node.Mapping, _ known: [String], in field: String) throws {
        for key in map.keys where !known.contains(key.string ?? "") {
            let name = key.string ?? "?"
            throw fail(
                key, field == "profile" ? name : "\(field).\(name)",
                "unknown field (expected \(known.joined(separator: ", ")))")
        }
    }

    func string(_ map: Node.Mapping, _ key: String, _ parent: Node, field: String? = nil) throws -> String {
        guard let node = map[key] else { throw fail(parent, field ?? key, "required") }
        guard node.scalar != nil, let value = node.string, !value.isEmpty else {
            throw fail(node, field ?? key, "must be a non-empty string")
        }
        return value
    }

    func strings(_ map: Node.Mapping, _ key: String, _ parent: Node, field: String? = nil) throws -> [String] {
        guard let node = map[key] else { throw fail(parent, field ?? key, "required") }
        guard let sequence = node.sequence else { throw fail(node, field ?? key, "must be a list") }
        return try sequence.map { item in
            guard item.scalar != nil, let value = item.string, !value.isEmpty else {
                throw fail(item, field ?? key, "items must be strings")
            }
            return value
        }
    }

    func int(_ map: Node.Mapping, _ key: String, _ parent: Node, field: String? = nil) throws -> Int {
        guard let node = map[key] else { throw fail(parent, field ?? key, "required") }
        guard let value = node.int else { throw fail(node, field ?? key, "must be an integer") }
        return value
    }

    func bool(_ map: Node.Mapping, _ key: String, default fallback: Bool) throws -> Bool {
        guard let node = map[key] else { return fallback }
        guard let value = node.bool else { throw fail(node, key, "must be true or false") }
        return value
    }
}
