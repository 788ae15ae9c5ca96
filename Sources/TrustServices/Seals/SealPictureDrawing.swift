import Foundation
import SealPictures
import TrustModel

/// A standard seal picture asked for by a platform or an applicant (`POST /v1/seal-pictures`, `trustctl seal
/// picture`, `seal apply --picture-generate`).
public struct SealPictureOrder: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case png, svg
    }
    public let type: String
    public let organization: String
    public let number: String?
    public let format: Format
    public let dpi: Int

    public init(type: String, organization: String, number: String?, format: Format, dpi: Int) {
        self.type = type
        self.organization = organization
        self.number = number
        self.format = format
        self.dpi = dpi
    }
}

/// The picture and the size it stands for.
public struct DrawnSealPicture: Sendable {
    public let bytes: [UInt8]
    public let format: SealPictureOrder.Format
    public let widthMM: Int
    public let heightMM: Int
}

extension SealService {
    /// Draws the type's standard picture (policy `drawing:`) with the organisation's name and the number. Drawing
    /// stores nothing; it runs on the blocking executor.
    public func picture(_ order: SealPictureOrder, by caller: Caller) async throws -> DrawnSealPicture {
        try await useCases.check(caller, .sealPicture, action: "seal.picture", object: "type:\(order.type)")
        let type = try types.type(order.type)
        return try await useCases.executor.run {
            try Self.draw(
                type, organization: order.organization, number: order.number, format: order.format, dpi: order.dpi)
        }
    }

    /// The type's standard picture (blocking: call on the executor).
    static func draw(
        _ type: SealType, organization: String, number: String?, format: SealPictureOrder.Format, dpi: Int
    ) throws -> DrawnSealPicture {
        guard let drawing = type.drawing else {
            throw TrustError.invalid("seal type \(type.code) has no standard picture: bring one (--picture)")
        }
        do throws(SealPictureError) {
            let spec = try SealDrawing(
                shape: drawing.shape, widthMM: Double(drawing.widthMM),
                heightMM: Double(drawing.heightMM), organization: organization, label: drawing.label, number: number)
            let bytes = format == .png ? try SealPictureRenderer.png(spec, dpi: dpi) : try SealPictureRenderer.svg(spec)
            return DrawnSealPicture(bytes: bytes, format: format, widthMM: drawing.widthMM, heightMM: drawing.heightMM)
        } catch {
            switch error {
            case .invalid(let message): throw TrustError.invalid(message)
            case .missingGlyphs(let message), .rendering(let message):
                throw TrustError(.unavailable, "the seal picture cannot be drawn here: \(message)")
            }
        }
    }

    /// Applies with the type's standard picture drawn from the organisation's registered name (and `number`, e.g.
    /// its credit code for an invoice seal), as a 300 dpi PNG.
    public func applyWithDrawnPicture(
        organizationID: String, applicantPersonID: String?, type code: String, name: String, number: String?,
        validTo: Date?, keyType: String?, by caller: Caller
    ) async throws -> SealDetails {
        try await useCases.check(caller, .sealApply, action: "seal.apply", object: "organization:\(organizationID)")
        return try await useCases.executor.run { [self] in
            let organization = try identity.organization(id: organizationID).record.name
            let drawn = try Self.draw(
                try types.type(code), organization: organization, number: number, format: .png, dpi: 300)
            return try applyNow(
                organizationID: organizationID, applicantPersonID: applicantPersonID, type: code, name: name,
                picture: Picture(format: "png", data: drawn.bytes, widthMM: drawn.widthMM, heightMM: drawn.heightMM),
                validTo: validTo, keyType: keyType, caller: caller)
        }
    }
}
