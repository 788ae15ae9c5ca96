import BoundedCache
import Foundation
import Synchronization
import TrustCrypto
import TrustModel

/// The trust anchors path validation uses: trustd's own root CAs plus the PEM roots an operator places in
/// `certs/trusted/` (other provinces' CAs, so their certificates are recognised — 互认).
public struct TrustAnchors: Sendable {
    public let roots: [Certificate]
    /// trustd's own CA certificates below the roots, offered as intermediates.
    public let intermediates: [Certificate]
    /// CRLs of foreign CAs (`certs/crls/`); each is used only once its signature verifies with the issuer certificate
    /// of the chain being validated.
    public let crls: [CertificateRevocationList]
    /// Successful validations of this anchor set, so a certificate seen again skips the CA signature checks.
    private let memo = ChainMemo()

    public init(roots: [Certificate], intermediates: [Certificate] = [], crls: [CertificateRevocationList] = []) {
        self.roots = roots
        self.intermediates = intermediates
        self.crls = crls
    }

    /// Own CAs from the store plus every certificate in `*.pem`/`*.crt` files under `directory` (if it exists).
    /// A file that is not a certificate, or a certificate that is not a CA, stops loading with the file named.
    public static func load(ca: CertificateAuthority, trustedDirectory directory: String?, crlDirectory: String? = nil)
        throws -> TrustAnchors
    {
        let own = try ca.list()
        var roots = own.filter { $0.role == .root }.map(\.certificate)
        var intermediates = own.filter { $0.role != .root }.map(\.certificate)
        // An imported CA whose issuer is outside trustd: the admin who imported it vouched for its chain, and
        // trustd issues under that root, so it validates what it issued.
        for ca in own where !ca.issuerChain.isEmpty {
            intermediates += ca.issuerChain.dropLast()
            if let top = ca.issuerChain.last { roots.append(top) }
        }
        roots += try loadCACertificates(directory)
        let crls = try loadCRLs(crlDirectory)
        return TrustAnchors(roots: roots, intermediates: intermediates, crls: crls)
    }

    /// Every CA certificate in the `*.pem`/`*.crt` files of `directory` (none when it is nil or absent); a file that is
    /// not a certificate, or a certificate that is not a CA, stops loading with the file named.
    public static func loadCACertificates(_ directory: String?) throws -> [Certificate] {
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return []
        }
        var out: [Certificate] = []
        for name in names.sorted() where name.hasSuffix(".pem") || name.hasSuffix(".crt") {
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TrustError.invalid("\(path): cannot read")
            }
            let certificates: [Certificate]
            do {
                certificates = try Certificate.parseChain(pem: String(decoding: data, as: UTF8.self))
            } catch {
                throw TrustError.invalid("\(path): not a PEM certificate file (\(error))")
            }
            for certificate in certificates {
                guard certificate.isCA else {
                    throw TrustError.invalid("\(path): \(certificate.subject) is not a CA certificate")
                }
                out.append(certificate)
            }
        }
        return out
    }

    /// Every `*.crl`/`*.pem` CRL in `directory` (none when it is nil or absent); a file that is not a CRL is named.
    public static func loadCRLs(_ directory: String?) throws -> [CertificateRevocationList] {
        var crls: [CertificateRevocationList] = []
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return []
        }
        for name in names.sorted() where name.hasSuffix(".crl") || name.hasSuffix(".pem") {
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TrustError.invalid("\(path): cannot read")
            }
            do {
                crls.append(try Self.crl(Array(data)))
            } catch {
                throw TrustError.invalid("\(path): not a DER or PEM CRL (\(error))")
            }
        }
        return crls
    }

    static func crl(_ bytes: [UInt8]) throws -> CertificateRevocationList {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("-----BEGIN X509 CRL-----") else { return try CertificateRevocationList(der: bytes) }
        let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body) else { throw TrustError.invalid("bad base64") }
        return try CertificateRevocationList(der: Array(der))
    }

    /// What the loaded CRLs say about a certificate from a foreign CA, using only CRLs that `issuer` (the next certificate
    /// in its validated chain) signed: `nil` when there is none.
    public func crlStatus(of certificate: Certificate, issuer: Certificate) -> (
        crl: CertificateRevocationList, revoked: RevokedEntry?
    )? {
        guard let issuerKey = try? issuer.publicKey else { return nil }
        let candidates = crls.filter { $0.issuer == certificate.issuer && $0.isSigned(by: issuerKey) }
        guard let newest = candidates.max(by: { $0.thisUpdate < $1.thisUpdate }) else { return nil }
        func trimmed(_ bytes: [UInt8]) -> ArraySlice<UInt8> { bytes.drop { $0 == 0 } }
        let serial = trimmed(certificate.serialNumber)
        return (newest, newest.entries.first { trimmed($0.serialNumber) == serial })
    }

    /// Validates `certificate` at `time` to one of the anchors; `intermediates` add to trustd's own.
    ///
    /// A valid chain is remembered with the window in which every certificate of it is valid; asking again for the same
    /// certificate (and the same extra intermediates) at a time inside that window answers from memory. Invalid outcomes
    /// are not remembered. The memory belongs to this anchor set: a reload starts empty.
    public func validate(_ certificate: Certificate, intermediates extra: [Certificate] = [], at time: Date = Date())
        -> PathValidator.Outcome
    {
        let key = ([certificate] + extra).map { ByteKey($0.der) }
        if let chain = memo.chain(for: key, at: time) { return .valid(chain: chain) }
        let outcome = PathValidator(trustAnchors: roots).validate(
            certificate, intermediates: intermediates + extra, at: time)
        if case .valid(let chain) = outcome { memo.remember(chain, for: key) }
        return outcome
    }
}

/// The trust anchors and foreign CRLs, loaded once and reloaded at most every `interval` seconds, so verification
/// does not read the directories on every request. A load failure is thrown, and the next call tries again.
public final class TrustAnchorSource: Sendable {
    private let load: @Sendable () throws -> TrustAnchors
    private let interval: TimeInterval
    private let cached = Mutex<(anchors: TrustAnchors, at: Date)?>(nil)

    public init(interval: TimeInterval = 30, load: @escaping @Sendable () throws -> TrustAnchors) {
        self.interval = interval
        self.load = load
    }

    public func current() throws -> TrustAnchors {
        let now = Date()
        if let hit = cached.withLock({ $0 }), now.timeIntervalSince(hit.at) < interval { return hit.anchors }
        let fresh = try load()
        cached.withLock { $0 = (fresh, now) }
        return fresh
    }

    /// Whether ``current()`` would answer from memory now, without reading the directories.
    public var isInMemory: Bool {
        cached.withLock { hit in hit.map { Date().timeIntervalSince($0.at) < interval } ?? false }
    }

    /// Forget the cached set (after adding a CA, or in tests after changing the directories).
    public func invalidate() { cached.withLock { $0 = nil } }
}

/// Valid chains by the DER of the leaf and extra intermediates, with the window all their certificates share.
final class ChainMemo: Sendable {
    private struct Entry: Sendable {
        let chain: [Certificate]
        let from: Date, until: Date
    }
    private let entries = BoundedCache<[ByteKey], Entry>(.init(maxEntries: 10_000, maxBytes: 64 << 20)) { key, entry in
        // The key's bytes plus the parsed certificates (a few times their DER each).
        key.reduce(0) { $0 + $1.count } + entry.chain.reduce(0) { $0 + 4 * $1.der.count } + 128
    }

    func chain(for key: [ByteKey], at time: Date) -> [Certificate]? {
        guard let entry = entries[key], entry.from <= time, time <= entry.until else { return nil }
        return entry.chain
    }

    func remember(_ chain: [Certificate], for key: [ByteKey]) {
        let from = chain.map(\.notBefore).max() ?? .distantFuture
        let until = chain.map(\.notAfter).min() ?? .distantPast
        entries.insert(Entry(chain: chain, from: from, until: until), forKey: key)
    }
}
