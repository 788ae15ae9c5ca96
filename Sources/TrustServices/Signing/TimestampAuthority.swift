import CMSFormat
import Foundation
import KeyCustody
import SwiftASN1
import TrustCrypto
import TrustModel

/// RFC 3161 time-stamping with an SM2 and an RSA time-stamping unit. Each has a key in key custody and a `tsa`
/// certificate (critical EKU timeStamping) from trustd's SM2 or RSA issuing CA, made on first use and reused.
/// OpenSSL 3.0 cannot sign SM2 timestamps, so TSTInfo and SignedData are built with swift-asn1 (CMSFormat) and signed
/// by key custody, for both algorithms alike.
///
/// A bad request is answered with a `rejection` TimeStampResp and the RFC 3161 failure bit (badDataFormat, badAlg,
/// unacceptedPolicy, unacceptedExtension), never an exception. Serial numbers are 127-bit random, so unique without
/// a database write on this hot path.
public final class TimestampAuthority: Sendable {
    public enum Unit: String, Sendable, CaseIterable {
        case sm2, rsa
        var ca: String { self == .sm2 ? "sm2-issuing" : "rsa-issuing" }
        var keyType: KeyType { self == .sm2 ? .sm2 : .rsa2048 }
    }

    /// ETSI EN 319 421 baseline time-stamp policy (`0.4.0.2023.1.1`).
    public static let defaultPolicy: ASN1ObjectIdentifier = [0, 4, 0, 2023, 1, 1]
    public static let accuracySeconds = 1

    public let ca: CertificateAuthority
    public let keys: any KeyStore
    public let policy: ASN1ObjectIdentifier
    let clock: @Sendable () -> Date
    let identities: SystemIdentities
    let useCases: UseCases

    public init(
        ca: CertificateAuthority, keys: any KeyStore, identities: SystemIdentities? = nil,
        policy: ASN1ObjectIdentifier = TimestampAuthority.defaultPolicy,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.useCases = UseCases(store: ca.store, executor: ca.useCases.executor, clock: clock)
        self.ca = ca
        self.keys = keys
        self.identities = identities ?? SystemIdentities(ca: ca, journal: ca.journal, clock: clock)
        self.policy = policy
        self.clock = clock
    }

    public struct Identity: Sendable {
        public let keyID: KeyID
        public let certificate: Certificate
        /// The TSA certificate, its issuing CA and root.
        public let chain: [Certificate]
    }

    /// A granted timestamp: the whole TimeStampResp, and what it says.
    public struct Granted: Sendable {
        public let response: [UInt8]
        /// Empty for a rejection.
        public let serialNumber: [UInt8]
        public let time: Date
        /// Why the request was rejected (nil when granted).
        public var rejection: String? = nil
        public var granted: Bool { !serialNumber.isEmpty }
    }

    /// `POST /tsa`: answers a DER TimeStampReq with a DER TimeStampResp (granted, or a rejection for a bad request).
    public func timestamp(der requestDER: [UInt8], unit: Unit, by caller: Caller) async throws -> [UInt8] {
        try await useCases.check(caller, .timestamp, action: "timestamp", object: "tsa:\(unit.rawValue)")
        let request: TimeStampRequest
        do { request = try TimeStampRequest(der: requestDER) } catch {
            let response = try TimeStampResponse.rejected(.badDataFormat, "\(error)")
            try await audit(caller, unit, granted: nil, reason: "\(error)")
            return response
        }
        let granted = try await useCases.executor.run { [self] in try respond(to: request, unit: unit) }
        try await audit(caller, unit, granted: granted, imprint: request.hashedMessage)
        return granted.response
    }

    /// `POST /v1/timestamp`: a granted token for `digest`; a digest of the wrong length is the caller's mistake (400).
    public func timestamp(
        hash: TimestampHash, digest: [UInt8], nonce: [UInt8]?, certReq: Bool, unit: Unit, by caller: Caller
    ) async throws -> Granted {
        try await useCases.check(caller, .timestamp, action: "timestamp", object: "tsa:\(unit.rawValue)")
        let request: TimeStampRequest
        do { request = try TimeStampRequest(hash: hash, digest: digest, nonce: nonce, certReq: certReq) } catch let
            error as CMSFormatError
        {
            throw TrustError.invalid(error.message)
        }
        let granted = try await useCases.executor.run { [self] in try respond(to: request, unit: unit) }
        try await audit(caller, unit, granted: granted, imprint: digest)
        guard granted.granted else {
            throw TrustError.invalid("the timestamp request was rejected: \(granted.rejection ?? "-")")
        }
        return granted
    }

    /// One audit record per answer (the TSA's log of what it stamped), group-committed with concurrent answers.
    func audit(
        _ caller: Caller, _ unit: Unit, granted: Granted?, imprint: [UInt8] = [], reason: String? = nil,
        object: String? = nil
    ) async throws {
        var details = ["unit": unit.rawValue]
        let outcome: AuditOutcome
        if let granted, granted.granted {
            outcome = .success
            details["serial"] = Hex.encode(granted.serialNumber)
            details["imprint"] = Hex.encode(imprint)
        } else {
            outcome = .failure
            details["reason"] = reason ?? granted?.rejection ?? "rejected"
        }
        let entry = AuditEntry(
            actor: caller.auditName, action: "timestamp", object: object ?? "tsa:\(unit.rawValue)", outcome: outcome,
            details: details)
        let now = clock()
        try await ca.store.writeGrouped { tx in _ = try tx.appendAudit(entry, at: now) }
        ServiceMetrics.timestamp(unit: unit.rawValue, granted: outcome == .success)
    }

    /// Grants or rejects a parsed request. `Granted.response` is a rejection when the request is refused.
    func respond(to request: TimeStampRequest, unit: Unit) throws -> Granted {
        func rejection(_ failure: TimeStampFailure, _ text: String) throws -> Granted {
            Granted(
                response: try TimeStampResponse.rejected(failure, text), serialNumber: [], time: clock(),
                rejection: text)
        }
        guard let length = TimestampHash(oid: request.hashAlgorithm)?.length else {
            return try rejection(
                .badAlg, "hash algorithm \(request.hashAlgorithm) is not accepted (SM3, SHA-256/384/512)")
        }
        guard request.hashedMessage.count == length else {
            return try rejection(
                .badDataFormat, "the hashed message has \(request.hashedMessage.count) bytes, expected \(length)")
        }
        if let asked = request.policy, asked != policy {
            return try rejection(.unacceptedPolicy, "policy \(asked) is not offered (\(policy))")
        }
        if request.hasExtensions { return try rejection(.unacceptedExtension, "request extensions are not supported") }

        let identity = try self.identity(unit)
        let now = clock()
        var serial = SecureRandom.bytes(16)
        serial[0] &= 0x7f
        if serial[0] == 0 { serial[0] = 1 }
        let tstInfo = try TimeStampResponse.tstInfo(
            request: request, policy: policy, serialNumber: serial, time: now,
            accuracySeconds: Self.accuracySeconds)
        let digest: DigestAlgorithm = unit == .sm2 ? .sm3 : .sha256
        let certificateHash = Digest.hash(digest, identity.certificate.der)
        let algorithm: SignatureAlgorithm = unit == .sm2 ? .sm2(id: .default) : .rsaPKCS1v15(.sha256)
        let keys = keys
        let keyID = identity.keyID
        let token = try SignedDataBuilder.build(
            flavor: .pkcs7, contentType: CMSObjectID.tstInfo, content: tstInfo, detached: false,
            contentDigest: Digest.hash(digest, tstInfo),
            algorithms: unit == .sm2 ? .sm2(.pkcs7) : .rsaSHA256, signerCertificate: identity.certificate.der,
            includeCertificates: request.certReq, signingTime: now,
            extraAttributes: [
                try TimeStampResponse.signingCertificateV2(
                    certificateHash: certificateHash,
                    hashAlgorithm: unit == .sm2 ? CMSObjectID.sm3 : CMSObjectID.sha256)
            ],
            sign: { bytes in try custody { try keys.sign(bytes, with: keyID, algorithm: algorithm) } })
        return Granted(response: try TimeStampResponse.granted(token: token), serialNumber: serial, time: now)
    }

    /// The unit's key and certificate (see ``SystemIdentities``).
    public func identity(_ unit: Unit) throws -> Identity {
        let made = try identities.identity(
            SystemIdentities.Spec(
                name: "tsa.\(unit.rawValue)", keyType: unit.keyType, profile: "tsa", ca: unit.ca,
                subject: DistinguishedName([
                    "C": "CN", "O": ca.configuration.organization,
                    "CN": "\(ca.configuration.organization) \(unit.rawValue.uppercased()) TSA",
                ])))
        return Identity(keyID: made.keyID, certificate: made.certificate, chain: made.chain)
    }
}
