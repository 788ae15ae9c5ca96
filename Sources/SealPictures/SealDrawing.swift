import Foundation
import TrustModel

/// What a seal picture shows: a red ring (round or oval) with the organisation's name along its upper arc, a
/// five-pointed star (round seals), the seal's label (e.g. 合同专用章) and its number — along the lower arc of a round
/// seal, across the middle of an oval one (the taxpayer number of an invoice seal).
public struct SealDrawing: Sendable, Hashable {
    /// The seal type policy's outline (one enum for the policy and the drawing).
    public typealias Shape = SealTypeDrawing.Shape

    public let shape: Shape
    public let widthMM: Double
    public let heightMM: Double
    public let organization: String
    public let label: String?
    public let number: String?

    /// Refuses what cannot be drawn legibly: sizes outside 10–80 mm, a round seal that is not round, empty or
    /// overlong texts, control characters.
    public init(
        shape: Shape, widthMM: Double, heightMM: Double, organization: String, label: String? = nil,
        number: String? = nil
    ) throws(SealPictureError) {
        guard (10...80).contains(widthMM), (10...80).contains(heightMM) else {
            throw SealPictureError.invalid("the seal must be 10 to 80 mm wide and high")
        }
        if shape == .round, widthMM != heightMM {
            throw SealPictureError.invalid("a round seal has one diameter (width = height)")
        }
        try Self.text(organization, "organization", max: 40)
        if let label { try Self.text(label, "label", max: 12) }
        if let number {
            try Self.text(number, "number", max: 24)
            guard number.unicodeScalars.allSatisfy({ $0.isASCII }) else {
                throw SealPictureError.invalid("number must be letters and digits (ASCII)")
            }
        }
        self.shape = shape
        self.widthMM = widthMM
        self.heightMM = heightMM
        self.organization = organization
        self.label = label
        self.number = number
    }

    private static func text(_ value: String, _ field: String, max: Int) throws(SealPictureError) {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty, value.count <= max else {
            throw SealPictureError.invalid("\(field) must be 1 to \(max) characters")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw SealPictureError.invalid("\(field) must not contain control characters")
        }
    }
}

/// Why a picture cannot be drawn.
public enum SealPictureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request itself (sizes, texts, DPI).
    case invalid(String)
    /// No installed font has glyphs for the text (it would come out as boxes).
    case missingGlyphs(String)
    /// Cairo failed (out of memory, an unwritable stream).
    case rendering(String)

    public var description: String {
        switch self {
        case .invalid(let message), .missingGlyphs(let message), .rendering(let message): message
        }
    }
}
