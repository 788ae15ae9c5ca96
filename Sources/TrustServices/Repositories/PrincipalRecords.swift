import Foundation
import TrustModel

/// A principal: a name and its roles (persisted as a comma-separated list).
public struct PrincipalRecord: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var roles: Set<Role>
    public var createdAt: Date

    public init(id: String, name: String, roles: Set<Role>, createdAt: Date) {
        self.id = id
        self.name = name
        self.roles = roles
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, name, roles
        case createdAt = "created_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        let text = try container.decode(String.self, forKey: .roles)
        roles = Set(
            try text.split(separator: ",").map { name in
                guard let role = Role(rawValue: String(name)) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .roles, in: container, debugDescription: "unknown role '\(name)'")
                }
                return role
            })
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(roles.map(\.rawValue).sorted().joined(separator: ","), forKey: .roles)
        try container.encode(createdAt, forKey: .createdAt)
    }

    public var principal: Principal { Principal(id: id, name: name, roles: roles) }
}

/// A bearer token, stored only as the SHA-256 of its value.
public struct TokenRecord: Codable, Sendable, Hashable {
    public var id: String
    public var principalID: String
    public var hash: String
    public var createdAt: Date
    public var expiresAt: Date
    public var revokedAt: Date?

    public init(id: String, principalID: String, hash: String, createdAt: Date, expiresAt: Date, revokedAt: Date? = nil)
    {
        self.id = id
        self.principalID = principalID
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id
        case principalID = "principal_id"
        case hash
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
    }
}

/// A client certificate bound to a principal for mutual TLS. `serial` and `issuer` name the certificate in trustd's
/// registry, so its revocation status is checked on every use.
public struct PrincipalCertificateRecord: Codable, Sendable, Hashable {
    public var fingerprint: String
    public var principalID: String
    public var serial: String
    public var issuer: String
    public var createdAt: Date

    public init(fingerprint: String, principalID: String, serial: String, issuer: String, createdAt: Date) {
        self.fingerprint = fingerprint
        self.principalID = principalID
        self.serial = serial
        self.issuer = issuer
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case fingerprint
        case principalID = "principal_id"
        case serial, issuer
        case createdAt = "created_at"
    }
}

/// A key in custody whose fate is not settled yet: being generated for a change that has not committed (`create`), or
/// retired by a change that committed but whose key is not destroyed yet (`destroy`).
public struct KeyJournalRecord: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable, Hashable {
        case create, destroy
    }

    public var keyID: String
    public var action: Action
    public var label: String
    /// The node that wrote the entry (several nodes may share one database).
    public var node: String
    public var createdAt: Date

    public init(keyID: String, action: Action, label: String, node: String, createdAt: Date) {
        self.keyID = keyID
        self.action = action
        self.label = label
        self.node = node
        self.createdAt = createdAt
    }

    public enum CodingKeys: String, CodingKey {
        case keyID = "key_id"
        case action, label, node
        case createdAt = "created_at"
    }
}
