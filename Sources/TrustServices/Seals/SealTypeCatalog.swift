import Foundation
import TrustCrypto
import TrustModel
import Yams

/// The seal types of `policies/seal-types.yaml`, loaded and validated at start; errors name file, line and field.
public struct SealTypeCatalog: Sendable {
    public let types: [String: SealType]

    public func type(_ code: String) throws -> SealType {
        guard let type = types[code] else {
            throw TrustError.invalid("unknown seal type '\(code)' (\(types.keys.sorted().joined(separator: ", ")))")
        }
        return type
    }

    public static func load(_ path: String, profiles: ProfileCatalog) throws -> SealTypeCatalog {
        let reader = YAMLReader(path: path)
        let (root, map) = try reader.loadMapping(field: "seal-types")
        try reader.onlyKnown(map, ["types"], in: "seal-types")
        guard let typesNode = map["types"], let entries = typesNode.mapping, !entries.isEmpty else {
            throw reader.fail(map["types"] ?? root, "types", "required: a mapping of seal type codes")
        }
        var types: [String: SealType] = [:]
        for (key, value) in entries {
            let code = key.string ?? "?"
            guard code.range(of: "^[a-z][a-z0-9-]{0,31}$", options: .regularExpression) != nil else {
                throw reader.fail(key, "types", "'\(code)' must be lower-case letters, digits and '-'")
            }
            let field = "types.\(code)"
            guard let fields = value.mapping else { throw reader.fail(value, field, "must be a mapping") }
            try reader.onlyKnown(
                fields,
                [
                    "name", "typeCode", "picture", "profile", "ca", "keyTypes", "applicant", "organization",
                    "validityDays", "drawing",
                ], in: field)
            let typeCode = try reader.int(fields, "typeCode", value, field: "\(field).typeCode")
            guard (1...99).contains(typeCode) else {
                throw reader.fail(fields["typeCode"]!, "\(field).typeCode", "must be 1 to 99")
            }
            guard let pictureNode = fields["picture"], let picture = pictureNode.mapping else {
                throw reader.fail(
                    fields["picture"] ?? value, "\(field).picture", "required mapping (formats, maxBytes, minMM, maxMM)"
                )
            }
            try reader.onlyKnown(picture, ["formats", "maxBytes", "minMM", "maxMM"], in: "\(field).picture")
            let formats = try reader.strings(picture, "formats", pictureNode, field: "\(field).picture.formats").map {
                name in
                guard let format = SealPictureFormat(rawValue: name) else {
                    throw reader.fail(
                        picture["formats"]!, "\(field).picture.formats", "'\(name)' is not png, jpeg or gif")
                }
                return format
            }
            let maxBytes = try reader.int(picture, "maxBytes", pictureNode, field: "\(field).picture.maxBytes")
            guard (1...(2 << 20)).contains(maxBytes) else {
                throw reader.fail(picture["maxBytes"]!, "\(field).picture.maxBytes", "must be 1 to 2097152")
            }
            let minMM = try reader.int(picture, "minMM", pictureNode, field: "\(field).picture.minMM")
            let maxMM = try reader.int(picture, "maxMM", pictureNode, field: "\(field).picture.maxMM")
            guard 1 <= minMM, minMM <= maxMM, maxMM <= 100 else {
                throw reader.fail(pictureNode, "\(field).picture", "need 1 ≤ minMM ≤ maxMM ≤ 100")
            }
            let profile = try reader.string(fields, "profile", value, field: "\(field).profile")
            guard profiles.profiles[profile] != nil else {
                throw reader.fail(fields["profile"]!, "\(field).profile", "unknown certificate profile '\(profile)'")
            }
            let keyTypes = try reader.strings(fields, "keyTypes", value, field: "\(field).keyTypes")
            guard !keyTypes.isEmpty else {
                throw reader.fail(fields["keyTypes"]!, "\(field).keyTypes", "must list at least one key type")
            }
            for type in keyTypes
            where KeyType(name: type)?.rawValue != type || !(profiles.profiles[profile]!.keyTypes.contains(type)) {
                throw reader.fail(
                    fields["keyTypes"]!, "\(field).keyTypes", "'\(type)' is not a key type profile \(profile) allows")
            }
            func level(_ name: String) throws -> AssuranceLevel {
                let text = try reader.string(fields, name, value, field: "\(field).\(name)")
                guard let level = AssuranceLevel(rawValue: text) else {
                    throw reader.fail(
                        fields[name]!, "\(field).\(name)", "must be anonymous, primary, intermediate or advanced")
                }
                return level
            }
            let validity = try reader.int(fields, "validityDays", value, field: "\(field).validityDays")
            guard (1...3650).contains(validity) else {
                throw reader.fail(fields["validityDays"]!, "\(field).validityDays", "must be 1 to 3650")
            }
            types[code] = SealType(
                code: code, name: try reader.string(fields, "name", value, field: "\(field).name"), typeCode: typeCode,
                pictureFormats: formats, pictureMaxBytes: maxBytes, sizeMM: minMM...maxMM, profile: profile,
                ca: try reader.string(fields, "ca", value, field: "\(field).ca"), keyTypes: keyTypes,
                applicantLevel: try level("applicant"), organizationLevel: try level("organization"),
                validityDays: validity,
                drawing: try drawing(fields["drawing"], field: "\(field).drawing", sizeMM: minMM...maxMM, reader))
        }
        return SealTypeCatalog(types: types)
    }

    /// `drawing: {shape: round|oval, widthMM, heightMM, label}`: a round seal has one diameter; both sizes within
    /// the type's picture sizes.
    private static func drawing(_ node: Node?, field: String, sizeMM: ClosedRange<Int>, _ reader: YAMLReader) throws
        -> SealTypeDrawing?
    {
        guard let node else { return nil }
        guard let map = node.mapping else { throw reader.fail(node, field, "must be a mapping") }
        try reader.onlyKnown(map, ["shape", "widthMM", "heightMM", "label"], in: field)
        let shapeName = try reader.string(map, "shape", node, field: "\(field).shape")
        guard let shape = SealTypeDrawing.Shape(rawValue: shapeName) else {
            throw reader.fail(map["shape"]!, "\(field).shape", "must be round or oval")
        }
        let width = try reader.int(map, "widthMM", node, field: "\(field).widthMM")
        let height = try reader.int(map, "heightMM", node, field: "\(field).heightMM")
        guard sizeMM.contains(width), sizeMM.contains(height) else {
            throw reader.fail(node, field, "widthMM and heightMM must be within the picture's \(sizeMM) mm")
        }
        if shape == .round, width != height {
            throw reader.fail(node, field, "a round seal has one diameter (widthMM = heightMM)")
        }
        let label = try map["label"].map { _ in try reader.string(map, "label", node, field: "\(field).label") }
        if let label, label.isEmpty || label.count > 12 {
            throw reader.fail(map["label"]!, "\(field).label", "must be 1 to 12 characters")
        }
        return SealTypeDrawing(shape: shape, widthMM: width, heightMM: height, label: label)
    }
}
