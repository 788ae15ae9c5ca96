import Foundation
import OFDFormat
import Synchronization
import TrustCrypto
import TrustModel

/// Seals OFD documents (电子证照 and official documents): the same gates as `/v1/sign` (grant, signer's level, seal
/// state and validity, usage limits; one audit record with the document's SM3 digest, allowed or refused), then a new
/// signature per GB/T 33190 §18 — `Type="Seal"` with a GB/T 38540 SES_Signature over the Signature.xml bytes, or
/// `Type="Sign"` with a GM/T 0010 SignedData (GM/T 0099) — and the sealed package, every earlier entry unchanged.
public final class DocumentSealer: Sendable {
    public struct Request: Sendable {
        public let credential: SigningService.Credential
        public let signerPersonID: String?
        public let document: [UInt8]
        public let placements: [Placement]
        public let mode: SealingMode
        public let timestamp: Bool

        public init(
            credential: SigningService.Credential, signerPersonID: String?, document: [UInt8],
            placements: [Placement], mode: SealingMode = .continue, timestamp: Bool = false
        ) {
            self.credential = credential
            self.signerPersonID = signerPersonID
            self.document = document
            self.placements = placements
            self.mode = mode
            self.timestamp = timestamp
        }
    }

    public struct Result: Sendable {
        public let document: [UInt8]
        public let signatureID: String
        /// The new Signature.xml in the package.
        public let signaturePath: String
        public let certificate: Certificate
    }

    /// Written into every Signature.xml trustd makes (Provider).
    public static let provider = (name: "trustd", version: "1", company: "trustd")

    let signing: SigningService
    public let limits: OFDLimits

    public init(signing: SigningService, limits: OFDLimits = .default) {
        self.signing = signing
        self.limits = limits
    }

    public func seal(_ request: Request, by caller: Caller) async throws -> Result {
        let limits = limits
        let kind: SignatureList.Kind
        if case .seal = request.credential { kind = .seal } else { kind = .sign }
        // Read the package and place the seal before any gate: a malformed document or a page it does not have is the
        // client's mistake (400), not a refusal to audit.
        let (plan, digest) = try await signing.useCases.executor.run {
            let document = try OFDDocument(package: OFDPackage(bytes: request.document, limits: limits), limits: limits)
            let plan = try SignaturePlan(
                document: document, kind: kind, mode: request.mode, placements: request.placements, sealSize: nil,
                limits: limits)
            return (plan, Digest.hash(.sm3, request.document))
        }
        let made = Mutex<(plan: SignaturePlan, xml: [UInt8], seal: [UInt8]?)?>(nil)
        let signed = try await signing.sign(
            SigningService.Request(
                credential: request.credential, signerPersonID: request.signerPersonID,
                format: kind == .seal ? .ses : .gmt0010, data: nil, digest: nil, timestamp: request.timestamp,
                document: SigningService.DocumentSigning(digest: digest) { preparation in
                    let prepared = try Self.prepare(plan, preparation)
                    made.withLock { $0 = (prepared.plan, prepared.xml, preparation.seal?.der) }
                    return (prepared.xml, "/" + prepared.plan.signatureXMLPath)
                }),
            by: caller)
        guard let (plan, xml, seal) = made.withLock({ $0 }) else {
            throw TrustError(.integrity, "the signature was made without its Signature.xml")
        }
        let sealed = try await signing.useCases.executor.run {
            try plan.package(signatureXML: xml, signedValue: signed.signature, seal: seal)
        }
        return Result(
            document: sealed, signatureID: plan.id, signaturePath: plan.signatureXMLPath,
            certificate: signed.certificate)
    }

    /// The plan at the seal's size and its Signature.xml, for the credential the checks allowed.
    static func prepare(_ plan: SignaturePlan, _ preparation: SigningService.Preparation) throws
        -> (plan: SignaturePlan, xml: [UInt8])
    {
        if plan.kind == .sign, try preparation.certificate.publicKey.type != .sm2 {
            throw TrustError.invalid("an OFD digital signature (GM/T 0099) is made with an SM2 key")
        }
        let picture = preparation.seal?.info.picture
        let sized = plan.sized(picture.map { (Double($0.widthMM), Double($0.heightMM)) })
        let references = sized.protectedFiles(seal: preparation.seal?.der).map {
            (path: $0.path, checkValue: Digest.hash(.sm3, $0.bytes))
        }
        let xml = sized.signatureXML(
            references: references, checkMethod: "1.2.156.10197.1.401", signatureMethod: "1.2.156.10197.1.501",
            dateTime: UTCTime.iso8601(preparation.signingTime), provider: provider)
        return (sized, xml)
    }
}
