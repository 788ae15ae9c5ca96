import Foundation

// Principals, tokens and client certificates: `/v1/principals`, `/v1/tokens`.

public struct PrincipalRequest: Codable, Sendable {
    public let name: String
    public let roles: [String]
    public init(name: String, roles: [String]) {
        self.name = name
        self.roles = roles
    }
}

public struct PrincipalView: Codable, Sendable {
    public let id, name: String
    public let roles: [String]
    /// SHA-256 fingerprints (hex) of the client certificates that authenticate this principal over mutual TLS.
    public let clientCertificates: [String]
    public init(id: String, name: String, roles: [String], clientCertificates: [String]) {
        self.id = id
        self.name = name
        self.roles = roles
        self.clientCertificates = clientCertificates
    }
}

public struct PrincipalList: Codable, Sendable {
    public let principals: [PrincipalView]
    public init(principals: [PrincipalView]) { self.principals = principals }
}

public struct TokenRequest: Codable, Sendable {
    public let lifetimeDays: Int?
    public init(lifetimeDays: Int?) { self.lifetimeDays = lifetimeDays }
}

public struct TokenResponse: Codable, Sendable {
    public let token, id, expiresAt: String
    public init(token: String, id: String, expiresAt: String) {
        self.token = token
        self.id = id
        self.expiresAt = expiresAt
    }
}

/// `POST /v1/principals/{id}/certificates`: bind a client certificate (PEM, issued by one of trustd's CAs) to a
/// principal for mutual TLS.
public struct ClientCertificateRequest: Codable, Sendable {
    public let certificate: String
    public init(certificate: String) { self.certificate = certificate }
}

extension PrincipalRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.text(name, "name", max: 64)
        guard !roles.isEmpty, roles.count <= 16 else { throw RequestError("roles must name 1 to 16 roles") }
    }
}

extension TokenRequest: APIRequest {
    public func validate() throws(RequestError) {
        if let lifetimeDays, !(1...3650).contains(lifetimeDays) { throw RequestError("lifetimeDays must be 1 to 3650") }
    }
}

extension ClientCertificateRequest: APIRequest {
    public func validate() throws(RequestError) { try Field.pem(certificate, "certificate", label: "CERTIFICATE") }
}
