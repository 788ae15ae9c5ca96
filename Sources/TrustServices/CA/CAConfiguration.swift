import Foundation

/// Settings of trustd's certification authorities.
public struct CAConfiguration: Sendable {
    /// Base URL under which trustd publishes CRLs, CA certificates and OCSP (put into CDP and AIA).
    public var baseURL: String
    public var organization: String
    public var country: String
    /// Lifetime of a CRL (nextUpdate − thisUpdate).
    public var crlLifetime: TimeInterval
    /// Lifetime of an OCSP response (nextUpdate − thisUpdate).
    public var ocspLifetime: TimeInterval
    /// Cached OCSP responses are re-signed when less than this is left before nextUpdate.
    public var ocspRefreshMargin: TimeInterval
    /// notBefore is set this far in the past to tolerate relying parties' clock skew.
    public var backdate: TimeInterval
    /// Key types of the two hierarchies.
    public var rsaRootKey: String
    public var rsaIssuingKey: String

    public init(
        baseURL: String = "http://127.0.0.1:8443", organization: String = "trustd", country: String = "CN",
        crlLifetime: TimeInterval = 7 * 86400, ocspLifetime: TimeInterval = 86400,
        ocspRefreshMargin: TimeInterval = 3600,
        backdate: TimeInterval = 300, rsaRootKey: String = "rsa3072", rsaIssuingKey: String = "rsa2048"
    ) {
        self.baseURL = baseURL
        self.organization = organization
        self.country = country
        self.crlLifetime = crlLifetime
        self.ocspLifetime = ocspLifetime
        self.ocspRefreshMargin = ocspRefreshMargin
        self.backdate = backdate
        self.rsaRootKey = rsaRootKey
        self.rsaIssuingKey = rsaIssuingKey
    }

    func crlURL(_ ca: String) -> String { "\(baseURL)/v1/cas/\(ca)/crl" }
    func caIssuersURL(_ ca: String) -> String { "\(baseURL)/v1/cas/\(ca)/certificate" }
    var ocspURL: String { "\(baseURL)/ocsp" }
}
