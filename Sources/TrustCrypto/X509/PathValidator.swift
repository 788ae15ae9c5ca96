internal import COpenSSL
import Foundation

/// Certification path validation with OpenSSL's `X509_verify_cert` (RFC 5280 §6: signatures, validity at the
/// given time, basicConstraints, keyUsage of issuers, path length).
///
/// SM2 signatures check correctly because every SM2-signed ``Certificate`` carries the standard distinguishing ID
/// on its X509 object (platform-recipes §4.4: the ID used for a certificate's signature is read from that
/// certificate). Revocation is not checked here; callers consult their registry or CRLs.
public struct PathValidator: Sendable {
    public let trustAnchors: [Certificate]

    public init(trustAnchors: [Certificate]) { self.trustAnchors = trustAnchors }

    public enum Outcome: Sendable, Equatable {
        /// The chain from the leaf up to and including the trust anchor.
        case valid(chain: [Certificate])
        /// OpenSSL's verdict: its message, the `X509_V_ERR_*` code and the depth (0 = leaf).
        case invalid(reason: String, code: Int32, depth: Int32)

        public var isValid: Bool { if case .valid = self { true } else { false } }
    }

    /// Validates `leaf` with the given untrusted `intermediates` at `time`.
    public func validate(_ leaf: Certificate, intermediates: [Certificate] = [], at time: Date = Date()) -> Outcome {
        OpenSSL.clearErrors()
        defer { ERR_clear_error() }
        guard let store = X509_STORE_new() else { return .invalid(reason: "out of memory", code: -1, depth: -1) }
        defer { X509_STORE_free(store) }
        for anchor in trustAnchors { X509_STORE_add_cert(store, anchor.handle.keyed) }  // takes a reference
        guard let untrusted = trustd_sk_X509_new_null() else {
            return .invalid(reason: "out of memory", code: -1, depth: -1)
        }
        defer { trustd_sk_X509_free(untrusted) }  // borrowed pointers: free the stack only
        for certificate in intermediates { _ = trustd_sk_X509_push(untrusted, certificate.handle.keyed) }
        guard let context = X509_STORE_CTX_new() else { return .invalid(reason: "out of memory", code: -1, depth: -1) }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf.handle.keyed, untrusted) == 1 else {
            return .invalid(reason: "cannot initialise validation", code: -1, depth: -1)
        }
        X509_STORE_CTX_set_time(context, 0, time_t(time.timeIntervalSince1970))
        if X509_verify_cert(context) == 1, let chain = X509_STORE_CTX_get0_chain(context) {
            var out: [Certificate] = []
            for index in 0..<trustd_sk_X509_num(chain) {
                guard let x509 = trustd_sk_X509_value(chain, index),
                    let der = try? OpenSSL.i2d({ i2d_X509(x509, $0) }),
                    let certificate = try? Certificate(der: der)
                else { continue }
                out.append(certificate)
            }
            return .valid(chain: out)
        }
        let code = X509_STORE_CTX_get_error(context)
        let reason = String(cString: X509_verify_cert_error_string(Int(code)))
        return .invalid(reason: reason, code: code, depth: X509_STORE_CTX_get_error_depth(context))
    }
}
