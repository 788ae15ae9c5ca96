import Foundation
import KeyCustody
import Synchronization
import TrustCrypto
import TrustModel
import TrustStore

/// The OCSP engine (RFC 6960, with RFC 5019's cacheable responses).
///
/// Requests for one certificate without a nonce are answered from a cache of pre-signed responses, per serial and
/// CertID hash algorithm, re-signed when less than the refresh margin is left before nextUpdate and dropped at once
/// when the certificate's status changes. Requests with a nonce or several certificates are signed fresh. Each CA
/// answers through its delegated OCSP signer.
public final class OCSPResponder: Sendable {
    let store: TrustStore
    let keys: any KeyStore
    let configuration: CAConfiguration
    let clock: @Sendable () -> Date

    struct Cached: Sendable {
        let der: [UInt8]
        let nextUpdate: Date
    }

    struct Authority: Sendable {
        let name: String
        let certificate: Certificate
        let signer: OCSPSigner
    }

    struct State: Sendable {
        /// (hash OID, issuerNameHash, issuerKeyHash) hex → CA name.
        var issuers: [String: String] = [:]
        var authorities: [String: Authority] = [:]
        /// serial → hash OID → response.
        var cache: [String: [String: Cached]] = [:]
        /// Exact bytes of cacheable requests (one CertID, no nonce) → (serial, response): hits skip DER parsing.
        var byRequest: [[UInt8]: (serial: String, response: Cached)] = [:]
        /// serial → the request byte strings cached for it (for invalidation).
        var requestsBySerial: [String: [[UInt8]]] = [:]
    }

    /// Bound on the exact-bytes cache (clients vary in how they encode requests).
    static let maxCachedRequests = 200_000

    private let state = Mutex(State())

    init(store: TrustStore, keys: any KeyStore, configuration: CAConfiguration, clock: @escaping @Sendable () -> Date) {
        self.store = store
        self.keys = keys
        self.configuration = configuration
        self.clock = clock
    }

    /// Answers a DER OCSP request with a DER OCSP response. Never throws: malformed requests get
    /// `malformedRequest`, requests about certificates of no trustd CA get `unauthorized`, failures `internalError`.
    public func respond(_ der: [UInt8]) -> [UInt8] {
        let now = clock()
        if let hit = state.withLock({ $0.byRequest[der] }),
           hit.response.nextUpdate.timeIntervalSince(now) > configuration.ocspRefreshMargin {
            return hit.response.der
        }
        guard let request = try? OCSPRequest(der: der) else { return OCSPResponseBuilder.error(.malformedRequest) }
        do {
            let ids = request.certificateIDs
            let owners = try ids.map { try authority(for: $0) }
            let named = Set(owners.compactMap { $0?.name })
            guard let owner = owners.compactMap({ $0 }).first, named.count == 1 else { return OCSPResponseBuilder.error(.unauthorized) }
            if ids.count == 1, request.nonce == nil {
                let id = ids[0]
                let serial = Hex.encode(id.serialNumber)
                var cached = state.withLock({ $0.cache[serial]?[id.hashAlgorithmOID] })
                if cached == nil || cached!.nextUpdate.timeIntervalSince(now) <= configuration.ocspRefreshMargin {
                    let response = try sign([single(id, owner: owners[0], now: now)], by: owner, nonce: nil)
                    cached = Cached(der: response, nextUpdate: now.addingTimeInterval(configuration.ocspLifetime))
                    state.withLock { $0.cache[serial, default: [:]][id.hashAlgorithmOID] = cached }
                }
                let entry = cached!
                state.withLock { state in
                    guard state.byRequest.count < Self.maxCachedRequests else { return }
                    if state.byRequest.updateValue((serial, entry), forKey: der) == nil {
                        state.requestsBySerial[serial, default: []].append(der)
                    }
                }
                return entry.der
            }
            let singles = try zip(ids, owners).map { try single($0.0, owner: $0.1, now: now) }
            return try sign(singles, by: owner, nonce: request.nonce)
        } catch {
            return OCSPResponseBuilder.error(.internalError)
        }
    }

    /// How many pre-signed responses are cached (for metrics).
    public var cachedResponseCount: Int { state.withLock { $0.cache.values.reduce(0) { $0 + $1.count } } }

    /// Drops cached responses for `serial` (called right after its status changes).
    public func invalidate(serial: String) {
        state.withLock { state in
            state.cache.removeValue(forKey: serial)
            for request in state.requestsBySerial.removeValue(forKey: serial) ?? [] { state.byRequest.removeValue(forKey: request) }
        }
    }

    /// Pre-signs SHA-1 and SHA-256 responses for every certificate of `ca` (start-up warm-up and benchmarks).
    @discardableResult
    public func preSign(ca name: String, serials: [String]) throws -> Int {
        guard let authority = try loadAuthorities()[name] else { throw TrustError.notFound("no CA named \(name)") }
        let now = clock()
        var count = 0
        for serial in serials {
            guard let bytes = Hex.decode(serial.count % 2 == 0 ? serial : "0" + serial) else { continue }
            for hash in [DigestAlgorithm.sha1, .sha256] {
                let id = try crypto { try OCSPResponseBuilder.certificateID(serialNumber: bytes, issuer: authority.certificate, hash: hash) }
                let response = try sign([single(id, owner: authority, now: now)], by: authority, nonce: nil)
                state.withLock { $0.cache[Hex.encode(id.serialNumber), default: [:]][hash.oid] = Cached(der: response, nextUpdate: now.addingTimeInterval(configuration.ocspLifetime)) }
                count += 1
            }
        }
        return count
    }

    /// Re-signs cached responses that are within the refresh margin of their nextUpdate. Returns how many.
    @discardableResult
    public func refreshExpiring() -> Int {
        let now = clock()
        let due = state.withLock { state in
            state.cache.filter { $0.value.values.contains { $0.nextUpdate.timeIntervalSince(now) <= configuration.ocspRefreshMargin } }.map(\.key)
        }
        for serial in due { invalidate(serial: serial) }
        guard let authorities = try? loadAuthorities() else { return 0 }
        var refreshed = 0
        for serial in due {
            guard let record = try? store.read({ try $0.certificate(serial: serial) }) else { continue }
            refreshed += (try? preSign(ca: record.issuer, serials: [serial])) ?? 0
            _ = authorities
        }
        return refreshed
    }

    // MARK: Internals

    private func single(_ id: OCSPRequest.CertificateID, owner: Authority?, now: Date) throws -> OCSPSingleResponse {
        var status = OCSPCertificateStatus.unknown
        if let owner, let record = try store.read({ try $0.certificate(serial: Hex.encode(id.serialNumber)) }),
           record.issuer == owner.name {
            switch record.status {
            case .valid: status = .good
            case .revoked, .hold:
                status = .revoked(at: record.revokedAt ?? record.statusChangedAt,
                                  reason: record.revocationReason.flatMap(RevocationReason.init(rawValue:)))
            }
        }
        return OCSPSingleResponse(certificateID: id, status: status, thisUpdate: now, nextUpdate: now.addingTimeInterval(configuration.ocspLifetime))
    }

    private func sign(_ singles: [OCSPSingleResponse], by authority: Authority, nonce: [UInt8]?) throws -> [UInt8] {
        try crypto { try OCSPResponseBuilder.build(singles, signer: authority.signer, nonce: nonce) }
    }

    private func authority(for id: OCSPRequest.CertificateID) throws -> Authority? {
        let key = "\(id.hashAlgorithmOID)/\(Hex.encode(id.issuerNameHash))/\(Hex.encode(id.issuerKeyHash))"
        if let name = state.withLock({ $0.issuers[key] }) { return state.withLock { $0.authorities[name] } }
        let authorities = try loadAuthorities()
        guard let name = state.withLock({ $0.issuers[key] }) else { return nil }
        return authorities[name]
    }

    /// (Re)loads the CAs and their OCSP signers, indexing issuer hashes for every supported hash algorithm.
    private func loadAuthorities() throws -> [String: Authority] {
        let records = try store.read { try $0.cas() }
        var authorities: [String: Authority] = [:]
        var issuers: [String: String] = [:]
        let known = state.withLock { $0.authorities }
        for record in records {
            guard let signerDER = record.ocspSignerCertificate, let signerKey = record.ocspSignerKeyID else { continue }
            let authority: Authority
            if let existing = known[record.name] {
                authority = existing
            } else {
                let certificate = try Certificate(der: Array(record.certificate))
                let signer = try crypto {
                    try OCSPSigner(certificate: try Certificate(der: Array(signerDER)),
                                   signer: try KeyStoreSigner(store: keys, keyID: try KeyID(signerKey)))
                }
                authority = Authority(name: record.name, certificate: certificate, signer: signer)
            }
            authorities[record.name] = authority
            for hash in DigestAlgorithm.allCases {
                let hashes = OCSPResponseBuilder.issuerHashes(authority.certificate, hash)
                issuers["\(hash.oid)/\(Hex.encode(hashes.name))/\(Hex.encode(hashes.key))"] = record.name
            }
        }
        state.withLock { state in
            state.authorities = authorities
            state.issuers = issuers
        }
        return authorities
    }
}
