import Foundation
import TrustCrypto
import TrustModel

/// The trust anchors path validation uses: trustd's own root CAs plus the PEM roots an operator places in
/// `certs/trusted/` (other provinces' CAs, so their certificates are recognised — 互认).
public struct TrustAnchors: Sendable {
    public let roots: [Certificate]
    /// trustd's own CA certificates below the roots, offered as intermediates.
    public let intermediates: [Certificate]

    public init(roots: [Certificate], intermediates: [Certificate] = []) {
        self.roots = roots
        self.intermediates = intermediates
    }

    /// Own CAs from the store plus every certificate in `*.pem`/`*.crt` files under `directory` (if it exists).
    /// A file that is not a certificate, or a certificate that is not a CA, stops loading with the file named.
    public static func load(ca: CertificateAuthority, trustedDirectory directory: String?) throws -> TrustAnchors {
        let own = try ca.list()
        var roots = own.filter { $0.role == "root" }.map(\.certificate)
        let intermediates = own.filter { $0.role != "root" }.map(\.certificate)
        if let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) {
            for name in names.sorted() where name.hasSuffix(".pem") || name.hasSuffix(".crt") {
                let path = "\(directory)/\(name)"
                guard let data = FileManager.default.contents(atPath: path) else { throw TrustError.invalid("\(path): cannot read") }
                let certificates: [Certificate]
                do {
                    certificates = try Certificate.parseChain(pem: String(decoding: data, as: UTF8.self))
                } catch {
                    throw TrustError.invalid("\(path): not a PEM certificate file (\(error))")
                }
                for certificate in certificates {
                    guard certificate.isCA else { throw TrustError.invalid("\(path): \(certificate.subject) is not a CA certificate") }
                    roots.append(certificate)
                }
            }
        }
        return TrustAnchors(roots: roots, intermediates: intermediates)
    }

    /// Validates `certificate` at `time` to one of the anchors; `intermediates` add to trustd's own.
    public func validate(_ certificate: Certificate, intermediates extra: [Certificate] = [], at time: Date = Date()) -> PathValidator.Outcome {
        PathValidator(trustAnchors: roots).validate(certificate, intermediates: intermediates + extra, at: time)
    }
}
