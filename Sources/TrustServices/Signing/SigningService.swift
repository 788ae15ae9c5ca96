import Foundation
import KeyCustody
import SealFormat
import TrustCrypto
import TrustModel

/// Signs documents for platforms with a seal or a signing key.
///
/// Seal: the caller may use the seal through a grant to the named signer person at the grant's level (fresh enough
/// for `advanced`) or a grant to the calling platform principal; the seal is active and within its validity; its
/// certificate is valid. Key: the calling platform created the key, the owner (or for organisation keys the holder)
/// is the named signer and meets `sign.with-key`/`sign.with-org-key`; the key's certificate is valid. Then the
/// signature is made in key custody. Every decision, allow or deny, is one audit record; an allowed seal signature also
/// counts against the grant's usage limit in the same transaction.
public final class SigningService: Sendable {
    public static let maxDataSize = 32 << 20

    public let store: any TransactionalStore
    public let ca: CertificateAuthority
    public let keys: any KeyStore
    public let identity: IdentityService
    public let timestamps: TimestampAuthority
    let clock: @Sendable () -> Date
    /// Parsed seals by the bytes stored for them, so the hot path does not decode them per request (certificates use the
    /// shared ``Certificate/cached(der:)``).
    let parsedSeals = ParsedSeals()
    /// A seal's records between changes (see ``SealRecordsMemo`` for why this stays exact).
    let sealRecords = SealRecordsMemo()

    public let useCases: UseCases
    /// Resolves an ID token to its signer for the calling principal (the login service); `nil`: ID tokens refused.
    let assertions: (@Sendable (_ idToken: String, _ principalID: String) throws -> SigningAssertion)?

    public init(
        store: any TransactionalStore, ca: CertificateAuthority, keys: any KeyStore, identity: IdentityService,
        timestamps: TimestampAuthority,
        assertions: (@Sendable (_ idToken: String, _ principalID: String) throws -> SigningAssertion)? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.assertions = assertions
        self.useCases = UseCases(store: store, executor: ca.useCases.executor, clock: clock)
        self.store = store
        self.ca = ca
        self.keys = keys
        self.identity = identity
        self.timestamps = timestamps
        self.clock = clock
    }

    /// What a signature is made with, once the checks passed.
    struct Signer {
        let keyID: KeyID
        let certificate: Certificate
        let certificateRecord: CertificateRecord
        let seal: ElectronicSeal?
        let grant: SealGrantRecord?
    }

    /// Signs for `caller` (a platform): the permission, the seal's or key's rules, the signature in key custody, and
    /// one audit record (allowed or refused) committed with the grant's usage count before the answer.
    ///
    /// Each step runs where it need not wait: the checks' reads where the request is when the store answers in
    /// process (SQLite), the signature there too when the key is already in memory and the work is small; anything
    /// that would wait (PostgreSQL, an HSM, a key file, a document or timestamp) on the blocking executor. The commit
    /// is awaited, so no thread sits idle while the batch is made durable. Handing a signature to another thread cost
    /// more CPU than everything else the request does.
    public func sign(_ request: Request, by caller: Caller) async throws -> Result {
        try await useCases.check(caller, .sign, action: auditAction(request), object: request.credential.object)
        guard let principal = caller.principal else {
            throw TrustError(.forbidden, "signing is done for a platform principal")
        }
        let now = clock()
        let outcome: Outcome
        if store.readsInProcess && request.document == nil {
            let decision = try decide(request, principal: principal, at: now)
            if case .allowed(let request, let signer) = decision, !signsWithoutWaiting(request, signer) {
                outcome = try await useCases.executor.run { [self] in try signIfAllowed(decision, at: now) }
            } else {
                outcome = try signIfAllowed(decision, at: now)
            }
        } else {
            // The checks wait on the store (or a document is prepared), so the signature is made in the same trip to
            // the blocking executor: a second hand-over cost two more thread switches per signature.
            outcome = try await useCases.executor.run { [self] in
                try signIfAllowed(try decide(request, principal: principal, at: now), at: now)
            }
        }
        switch outcome {
        case .refused(let refusal, let request): try await refuse(refusal, request, principal: principal, at: now)
        case .signed(let signed, let signer): return try await commit(signed, by: signer, principal: principal, at: now)
        }
    }

    /// A request refused by the checks (audited before it is answered), or signed and waiting for its commit.
    enum Outcome: Sendable {
        case refused(Refusal, Request)
        case signed(Signed, Signer)
    }

    /// The signature of an allowed request; a refusal passes through.
    private func signIfAllowed(_ decision: Decision, at now: Date) throws -> Outcome {
        switch decision {
        case .refused(let refusal, let request): return .refused(refusal, request)
        case .allowed(let request, let signer): return .signed(try sign(request, with: signer, at: now), signer)
        }
    }

    /// A request that passed or failed the checks (a refusal is audited before it is answered).
    enum Decision: Sendable {
        case refused(Refusal, Request)
        case allowed(Request, Signer)
    }

    struct Refusal: Sendable {
        let denial: TrustError
        let details: [String: String]
        /// Whether it counts as a refused signature in the metrics (an ID token refused before any check does not).
        let checked: Bool
    }

    /// Validates the request and applies the seal's or key's rules (reads only).
    private func decide(_ request: Request, principal: Principal, at now: Date) throws -> Decision {
        guard
            request.document == nil
                ? (request.data == nil) != (request.digest == nil) : request.data == nil && request.digest == nil
        else {
            throw TrustError.invalid("give exactly one of data or digest")
        }
        if let data = request.data, data.count > Self.maxDataSize {
            throw TrustError.invalid("data is larger than \(Self.maxDataSize) bytes")
        }
        if let property = request.propertyInfo, property.count > 512 || !property.allSatisfy(\.isASCII) {
            throw TrustError.invalid("propertyInfo must be at most 512 ASCII characters")
        }
        if case .key = request.credential, request.format == .ses {
            throw TrustError.invalid("ses signatures are made with a seal (sealId), not a signing key")
        }
        var request = request
        if let token = request.signerIDToken {
            guard request.signerPersonID == nil else { throw TrustError.invalid("give signer or idToken, not both") }
            do {
                guard let assertions else {
                    throw TrustError(.forbidden, "ID tokens name no signers here (no login service)")
                }
                request = request.asserted(try assertions(token, principal.id))
            } catch let denial as TrustError where denial.code == .forbidden {
                return .refused(Refusal(denial: denial, details: ["reason": denial.message], checked: false), request)
            }
        }
        let decision: Swift.Result<Signer, TrustError>
        switch request.credential {
        case .seal(let id): decision = try checkSeal(id, principal: principal, request: request, at: now)
        case .key(let id): decision = try checkKey(id, principal: principal, request: request, at: now)
        }
        switch decision {
        case .failure(let denial):
            var details = ["reason": denial.message]
            // A refused document is named by its digest too, so the refusal can be matched to what was sent.
            if let document = request.document { details["documentDigest"] = Hex.encode(document.digest) }
            return .refused(Refusal(denial: denial, details: details, checked: true), request)
        case .success(let signer): return .allowed(request, signer)
        }
    }

    /// Small in-memory work only: a key already decrypted in this process, no document to prepare, no timestamp to
    /// fetch, at most 64 KiB to hash, and the CMS chain read from a store that answers in process.
    private func signsWithoutWaiting(_ request: Request, _ signer: Signer) -> Bool {
        store.readsInProcess && request.document == nil && !request.timestamp
            && (request.data?.count ?? 0) <= BlockingExecutor.inPlaceLimit && keys.signsWithoutWaiting(signer.keyID)
    }

    /// A signature made, with the digest of what it covers for the audit record.
    struct Signed: Sendable {
        let request: Request
        let signature: [UInt8]
        let digestHex: String
    }

    /// The document prepared (if one is sealed), the signature made in key custody, and the audit digest (hashed here,
    /// where large data is hashed off the cooperative pool).
    private func sign(_ request: Request, with signer: Signer, at now: Date) throws -> Signed {
        var request = request
        if let document = request.document {
            let prepared = try document.prepare(
                Preparation(seal: signer.seal, certificate: signer.certificate, signingTime: now))
            request = request.prepared(prepared.data, propertyInfo: prepared.propertyInfo)
        }
        // The data's SM3 digest, hashed once: the audit record names it, and ses and SM2 CMS sign over it.
        let sm3OfData =
            request.document == nil || request.format != .raw ? request.data.map { Digest.hash(.sm3, $0) } : nil
        let signature = try makeSignature(request, sm3OfData: sm3OfData, with: signer, at: now)
        let digestHex = Hex.encode(request.document?.digest ?? sm3OfData ?? request.digest!)
        return Signed(request: request, signature: signature, digestHex: digestHex)
    }

    /// Audits a refusal and answers it.
    private func refuse(_ refusal: Refusal, _ request: Request, principal: Principal, at now: Date) async throws
        -> Never
    {
        try await audit(principal, request, outcome: .denied, details: refusal.details, at: now)
        let action = auditAction(request)
        if refusal.checked {
            ServiceMetrics.signature(action: action, format: request.format.rawValue, allowed: false)
        }
        let reason = !refusal.checked || refusal.denial.code == .forbidden ? "grant" : "policy"
        ServiceMetrics.denial(action: action, reason: reason)
        throw refusal.denial
    }

    /// Counts the grant's use and writes the audit record, in one group commit with concurrent signatures. A
    /// concurrent signature may have used the grant's last count since the check: that is a denial, audited too.
    private func commit(_ signed: Signed, by signer: Signer, principal: Principal, at now: Date) async throws
        -> Result
    {
        let request = signed.request
        let action = auditAction(request)
        var details = ["signer": request.signerPersonID ?? principal.auditName, "format": request.format.rawValue]
        let grant = signer.grant
        if let grant { details["grant"] = grant.id }
        let actor = principal.auditName
        let object = request.credential.object
        var allowedDetails = details
        allowedDetails["documentDigest"] = signed.digestHex
        allowedDetails["timestamp"] = request.timestamp ? "yes" : "no"
        allowedDetails["certificate"] = signer.certificateRecord.serial
        let exhausted: TrustError? = try await store.writeGrouped { [details, allowedDetails] tx in
            if let grant {
                guard try tx.countGrantUse(grant.id) else {
                    let denial = TrustError(
                        .forbidden, "grant \(grant.id) has used its \(grant.usageLimit ?? 0) signatures")
                    var refused = details
                    refused["reason"] = denial.message
                    try tx.appendAudit(
                        AuditEntry(actor: actor, action: action, object: object, outcome: .denied, details: refused),
                        at: now)
                    return denial
                }
            }
            try tx.appendAudit(
                AuditEntry(actor: actor, action: action, object: object, details: allowedDetails), at: now)
            return nil
        }
        ServiceMetrics.signature(action: action, format: request.format.rawValue, allowed: exhausted == nil)
        if let exhausted {
            ServiceMetrics.denial(action: action, reason: "grant")
            throw exhausted
        }
        return Result(
            format: request.format, signature: signed.signature, certificate: signer.certificate, grantID: grant?.id)
    }

    private func auditAction(_ request: Request) -> String {
        if case .key = request.credential { return request.document == nil ? "sign.key" : "document.sign" }
        return request.document == nil ? "sign.seal" : "document.seal"
    }

    private func audit(
        _ principal: Principal, _ request: Request, outcome: AuditOutcome, details: [String: String], at now: Date
    ) async throws {
        var all = details
        all["signer"] = request.signerPersonID ?? principal.auditName
        all["format"] = request.format.rawValue
        let entry = AuditEntry(
            actor: principal.auditName, action: auditAction(request), object: request.credential.object,
            outcome: outcome, details: all)
        try await store.writeGrouped { tx in _ = try tx.appendAudit(entry, at: now) }
    }
}
