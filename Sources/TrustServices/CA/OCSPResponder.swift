import BoundedCache
import Foundation
import KeyCustody
import Synchronization
import TrustCrypto
import TrustModel

/// The OCSP engine (RFC 6960, with RFC 5019's cacheable responses).
///
/// Requests for one certificate without a nonce are answered from a cache of pre-signed responses, per serial and
/// CertID hash algorithm, re-signed when less than the refresh margin is left before nextUpdate and dropped at once
/// when the certificate's status changes. Only certificates trustd issued are cached: an answer about any other serial
/// is signed fresh and forgotten, so unauthenticated requests for made-up serials cannot grow memory. Requests with a
/// nonce or several certificates are signed fresh. Each CA answers through its delegated OCSP signer. Both caches are
/// bounded by entries and bytes.
public final class OCSPResponder: Sendable {
    let store: any TransactionalStore
    let keys: any KeyStore
    let configuration: CAConfiguration
    let clock: @Sendable () -> Date

    struct Cached: Sendable {
        let der: [UInt8]
        let nextUpdate: Date
    }

    /// A pre-signed response is per certificate and CertID hash algorithm.
    struct CacheKey: Sendable, Hashable {
        let serial: String
        let hashOID: String
    }

    struct Authority: Sendable {
        let name: String
        let certificate: Certificate
        let signer: OCSPSigner
    }

    struct Issuers: Sendable {
        /// (hash OID, issuerNameHash, issuerKeyHash) hex → CA name.
        var byHashes: [String: String] = [:]
        var authorities: [String: Authority] = [:]
    }

    private let issuers = Mutex(Issuers())
    /// Pre-signed responses of trustd's own certificates.
    private let responses = BoundedCache<CacheKey, Cached>(.init(maxEntries: 200_000, maxBytes: 256 << 20)) {
        key, cached in
        key.serial.utf8.count + key.hashOID.utf8.count + cached.der.count + 64
    }
    /// Exact bytes of cacheable requests (one CertID, no nonce) → the response they map to: hits skip DER parsing.
    private let byRequest = BoundedCache<ByteKey, CacheKey>(.init(maxEntries: 200_000, maxBytes: 64 << 20)) {
        request, key in
        request.count + key.serial.utf8.count + key.hashOID.utf8.count + 64
    }

    let executor: BlockingExecutor

    init(
        store: any TransactionalStore, keys: any KeyStore, configuration: CAConfiguration, executor: BlockingExecutor,
        clock: @escaping @Sendable () -> Date
    ) {
        self.store = store
        self.keys = keys
        self.configuration = configuration
        self.executor = executor
        self.clock = clock
    }

    /// Answers a DER OCSP request (see ``respondNow(_:)``): a pre-signed answer straight from memory, anything that needs
    /// the registry or a signature on the blocking executor.
    public func respond(_ der: [UInt8]) async -> [UInt8] {
        if let key = byRequest[ByteKey(der)], let hit = fresh(key, at: clock()) { return hit.der }
        return (try? await executor.run { self.respondNow(der) }) ?? OCSPResponseBuilder.error(.tryLater)
    }

    /// Answers a DER OCSP request with a DER OCSP response, on the calling thread. Never throws: malformed requests (including serials over
    /// 20 octets) get `malformedRequest`, requests about certificates of no trustd CA get `unauthorized`, failures
    /// `internalError`.
    func respondNow(_ der: [UInt8]) -> [UInt8] {
        let now = clock()
        let exact = ByteKey(der)
        if let key = byRequest[exact], let hit = fresh(key, at: now) { return hit.der }
        guard let request = try? OCSPRequest(der: der) else { return OCSPResponseBuilder.error(.malformedRequest) }
        do {
            let ids = request.certificateIDs
            let owners = try ids.map { try authority(for: $0) }
            let named = Set(owners.compactMap { $0?.name })
            guard let owner = owners.compactMap({ $0 }).first, named.count == 1 else {
                return OCSPResponseBuilder.error(.unauthorized)
            }
            if ids.count == 1, request.nonce == nil {
                let id = ids[0]
                let key = CacheKey(serial: Hex.encode(id.serialNumber), hashOID: id.hashAlgorithmOID)
                if let hit = fresh(key, at: now) {
                    byRequest.insert(key, forKey: exact)
                    return hit.der
                }
                let (single, issuedHere) = try single(id, owner: owner, now: now)
                let response = try sign([single], by: owner, nonce: nil)
                if issuedHere {
                    responses.insert(
                        Cached(der: response, nextUpdate: now.addingTimeInterval(configuration.ocspLifetime)),
                        forKey: key)
                    byRequest.insert(key, forKey: exact)
                }
                return response
            }
            let singles = try zip(ids, owners).map { try single($0.0, owner: $0.1, now: now).response }
            return try sign(singles, by: owner, nonce: request.nonce)
        } catch {
            return OCSPResponseBuilder.error(.internalError)
        }
    }

    private func fresh(_ key: CacheKey, at now: Date) -> Cached? {
        responses.value(
            forKey: key, ifFresh: { $0.nextUpdate.timeIntervalSince(now) > configuration.ocspRefreshMargin })
    }

    /// How many pre-signed responses are cached (for metrics).
    public var cachedResponseCount: Int { responses.count }

    /// Seconds a relying party may cache an answer (RFC 5019 GET): until the responder would re-sign it.
    public var cacheMaxAge: Int { max(0, Int(configuration.ocspLifetime - configuration.ocspRefreshMargin)) }

    /// Drops cached responses for `serial` (called right after its status changes). Request-bytes entries that
    /// pointed at them miss from now on.
    public func invalidate(serial: String) {
        // Only CertIDs whose hash algorithm trustd indexes reach the cache, so this removes every entry of the serial.
        for hash in DigestAlgorithm.allCases {
            responses.removeValue(forKey: CacheKey(serial: serial, hashOID: hash.oid))
        }
    }

    /// Drops every cached response and the loaded signers (changes on another node may have been missed).
    public func forgetEverything() {
        responses.removeAll()
        byRequest.removeAll()
        forgetSigners()
    }

    /// Pre-signs SHA-1 and SHA-256 responses for certificates of `ca` that trustd issued (start-up warm-up and
    /// benchmarks).
    @discardableResult
    public func preSign(ca name: String, serials: [String]) throws -> Int {
        guard let authority = try loadAuthorities()[name] else { throw TrustError.notFound("no CA named \(name)") }
        let now = clock()
        var count = 0
        for serial in serials {
            guard let bytes = Hex.decode(serial.count % 2 == 0 ? serial : "0" + serial) else { continue }
            for hash in [DigestAlgorithm.sha1, .sha256] {
                let id = try crypto {
                    try OCSPResponseBuilder.certificateID(
                        serialNumber: bytes, issuer: authority.certificate, hash: hash)
                }
                let (single, issuedHere) = try single(id, owner: authority, now: now)
                guard issuedHere else { continue }
                let response = try sign([single], by: authority, nonce: nil)
                responses.insert(
                    Cached(der: response, nextUpdate: now.addingTimeInterval(configuration.ocspLifetime)),
                    forKey: CacheKey(serial: Hex.encode(id.serialNumber), hashOID: hash.oid))
                count += 1
            }
        }
        return count
    }

    /// Re-signs cached responses that are within the refresh margin of their nextUpdate. Returns how many.
    @discardableResult
    public func refreshExpiring() -> Int {
        let now = clock()
        let due = Set(
            responses.keys { _, cached in cached.nextUpdate.timeIntervalSince(now) <= configuration.ocspRefreshMargin }
                .map(\.serial))
        for serial in due { invalidate(serial: serial) }
        var refreshed = 0
        for serial in due {
            guard let record = try? store.read({ try $0.certificate(serial: serial) }) else { continue }
            refreshed += (try? preSign(ca: record.issuer, serials: [serial])) ?? 0
        }
        return refreshed
    }

    // MARK: Internals

    /// The status of one certificate, and whether trustd issued it (only those are cached).
    private func single(_ id: OCSPRequest.CertificateID, owner: Authority?, now: Date) throws -> (
        response: OCSPSingleResponse, issuedHere: Bool
    ) {
        var status = OCSPCertificateStatus.unknown
        var issuedHere = false
        if let owner, let record = try store.read({ try $0.certificate(serial: Hex.encode(id.serialNumber)) }),
            record.issuer == owner.name
        {
            issuedHere = true
            switch record.status {
            case .valid: status = .good
            case .revoked, .hold:
                status = .revoked(
                    at: record.revokedAt ?? record.statusChangedAt,
                    reason: record.revocationReason)
            }
        }
        return (
            OCSPSingleResponse(
                certificateID: id, status: status, thisUpdate: now,
                nextUpdate: now.addingTimeInterval(configuration.ocspLifetime)),
            issuedHere
        )
    }

    private func sign(_ singles: [OCSPSingleResponse], by authority: Authority, nonce: [UInt8]?) throws -> [UInt8] {
        try crypto { try OCSPResponseBuilder.build(singles, signer: authority.signer, nonce: nonce) }
    }

    private func authority(for id: OCSPRequest.CertificateID) throws -> Authority? {
        let key = "\(id.hashAlgorithmOID)/\(Hex.encode(id.issuerNameHash))/\(Hex.encode(id.issuerKeyHash))"
        if let found = issuers.withLock({ state in state.byHashes[key].flatMap { state.authorities[$0] } }) {
            return found
        }
        let authorities = try loadAuthorities()
        guard let name = issuers.withLock({ $0.byHashes[key] }) else { return nil }
        return authorities[name]
    }

    /// Forgets the loaded signers (after a renewal): the next request loads the current ones. Cached responses signed
    /// by the previous signer stay valid until their nextUpdate — its certificate outlives them.
    func forgetSigners() {
        issuers.withLock { $0 = Issuers() }
    }

    /// (Re)loads the CAs and their OCSP signers, indexing issuer hashes for every supported hash algorithm.
    private func loadAuthorities() throws -> [String: Authority] {
        let records = try store.read { try $0.cas() }
        var authorities: [String: Authority] = [:]
        var issuers: [String: String] = [:]
        let known = self.issuers.withLock { $0.authorities }
        for record in records {
            guard let signerDER = record.ocspSignerCertificate, let signerKey = record.ocspSignerKeyID else { continue }
            let authority: Authority
            if let existing = known[record.name] {
                authority = existing
            } else {
                let certificate = try Certificate(der: Array(record.certificate))
                let signer = try crypto {
                    try OCSPSigner(
                        certificate: try Certificate(der: Array(signerDER)),
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
        self.issuers.withLock { state in
            state.authorities = authorities
            state.byHashes = issuers
        }
        return authorities
    }
}
