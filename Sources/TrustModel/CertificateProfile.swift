/// A certificate profile (policies/profiles/*.yaml): what a certificate issued under it may and must contain.
///
/// Pure data plus the checks of a request against it; loading and YAML live in TrustServices.
public struct CertificateProfile: Sendable, Hashable {
    public enum SubjectAltNameKind: String, Sendable, Hashable, CaseIterable { case dns, ip, email, uri }

    /// Chinese identity extensions `1.2.156.10260.4.1.x` (gm-standards.md §1).
    public enum IdentityExtension: String, Sendable, Hashable, CaseIterable {
        case citizenID = "citizen-id"  // .1 personal ID number (GB 11643)
        case socialInsurance = "social-insurance"  // .2
        case businessRegistration = "business-registration"  // .3
        case organizationCode = "organization-code"  // .4 (some CAs put the USCC here)
        case taxNumber = "tax-number"  // .5

        public var oid: String {
            switch self {
            case .citizenID: "1.2.156.10260.4.1.1"
            case .socialInsurance: "1.2.156.10260.4.1.2"
            case .businessRegistration: "1.2.156.10260.4.1.3"
            case .organizationCode: "1.2.156.10260.4.1.4"
            case .taxNumber: "1.2.156.10260.4.1.5"
            }
        }
    }

    public enum Requirement: String, Sendable, Hashable { case required, optional }

    public var name: String
    public var description: String
    /// Allowed key types (`sm2`, `rsa2048`, `rsa3072`, `rsa4096`, `p256`).
    public var keyTypes: [String]
    /// Maximum validity; issuance never exceeds the issuer's notAfter either.
    public var validityDays: Int
    /// Which CA role issues under this profile: `self` (self-signed root), `root` or `issuing`.
    public var issuedBy: String
    public var isCA: Bool
    public var pathLength: Int?
    public var keyUsage: [String]
    public var extendedKeyUsage: [String]
    public var extendedKeyUsageCritical: Bool
    /// Subject attributes that must be present.
    public var subjectRequired: [String]
    /// Subject attributes that may be present (required ones are implied). Anything else is refused.
    public var subjectAllowed: [String]
    public var subjectAltNameKinds: [SubjectAltNameKind]
    public var subjectAltNameRequired: Bool
    public var subjectAltNameMax: Int
    public var identityExtensions: [IdentityExtension: Requirement]
    /// Adds id-pkix-ocsp-nocheck (delegated OCSP signers).
    public var ocspNoCheck: Bool

    public init(
        name: String, description: String, keyTypes: [String], validityDays: Int, issuedBy: String, isCA: Bool,
        pathLength: Int?, keyUsage: [String], extendedKeyUsage: [String], extendedKeyUsageCritical: Bool,
        subjectRequired: [String], subjectAllowed: [String], subjectAltNameKinds: [SubjectAltNameKind],
        subjectAltNameRequired: Bool, subjectAltNameMax: Int, identityExtensions: [IdentityExtension: Requirement],
        ocspNoCheck: Bool
    ) {
        self.name = name
        self.description = description
        self.keyTypes = keyTypes
        self.validityDays = validityDays
        self.issuedBy = issuedBy
        self.isCA = isCA
        self.pathLength = pathLength
        self.keyUsage = keyUsage
        self.extendedKeyUsage = extendedKeyUsage
        self.extendedKeyUsageCritical = extendedKeyUsageCritical
        self.subjectRequired = subjectRequired
        self.subjectAllowed = subjectAllowed
        self.subjectAltNameKinds = subjectAltNameKinds
        self.subjectAltNameRequired = subjectAltNameRequired
        self.subjectAltNameMax = subjectAltNameMax
        self.identityExtensions = identityExtensions
        self.ocspNoCheck = ocspNoCheck
    }

    /// Checks a request against the profile. Returns the validated identity values (normalised).
    ///
    /// - Parameters:
    ///   - subject: attribute type and value pairs of the requested subject.
    ///   - subjectAltNames: kind and value pairs.
    ///   - keyType: the request's key type name.
    ///   - identity: values for identity extensions.
    /// - Throws: ``TrustError`` `.invalidRequest` naming the first violated rule.
    public func check(
        subject: [(type: String, value: String)], subjectAltNames: [(kind: SubjectAltNameKind, value: String)],
        keyType: String, identity: [IdentityExtension: String]
    ) throws -> [IdentityExtension: String] {
        guard keyTypes.contains(keyType) else {
            throw TrustError.invalid(
                "profile \(name) does not allow \(keyType) keys (allowed: \(keyTypes.joined(separator: ", ")))")
        }
        for required in subjectRequired where !subject.contains(where: { $0.type == required }) {
            throw TrustError.invalid("profile \(name) requires subject attribute \(required)")
        }
        // Bounds on what a request can put into a certificate (a CSR can carry any number of attributes).
        guard subject.count <= Self.maxSubjectAttributes,
            subject.reduce(0, { $0 + $1.value.count }) <= Self.maxSubjectCharacters
        else {
            throw TrustError.invalid(
                "the subject may have at most \(Self.maxSubjectAttributes) attributes and \(Self.maxSubjectCharacters) characters"
            )
        }
        for single in ["CN", "serialNumber", "C"] where subject.filter({ $0.type == single }).count > 1 {
            throw TrustError.invalid("the subject names \(single) more than once")
        }
        let allowed = Set(subjectAllowed + subjectRequired)
        for attribute in subject {
            guard allowed.contains(attribute.type) else {
                throw TrustError.invalid("profile \(name) does not allow subject attribute \(attribute.type)")
            }
            guard !attribute.value.isEmpty, attribute.value.count <= 128,
                !attribute.value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw TrustError.invalid("subject attribute \(attribute.type) must be 1–128 printable characters") }
        }
        if subjectAltNameRequired && subjectAltNames.isEmpty {
            throw TrustError.invalid("profile \(name) requires at least one subjectAltName")
        }
        guard subjectAltNames.count <= subjectAltNameMax else {
            throw TrustError.invalid("profile \(name) allows at most \(subjectAltNameMax) subjectAltNames")
        }
        for san in subjectAltNames {
            guard subjectAltNameKinds.contains(san.kind) else {
                throw TrustError.invalid("profile \(name) does not allow subjectAltName of type \(san.kind.rawValue)")
            }
            try Self.checkName(san.kind, san.value)
        }
        var validated: [IdentityExtension: String] = [:]
        for (kind, requirement) in identityExtensions where requirement == .required && identity[kind] == nil {
            throw TrustError.invalid("profile \(name) requires the \(kind.rawValue) identity extension")
        }
        for (kind, value) in identity {
            guard identityExtensions[kind] != nil else {
                throw TrustError.invalid("profile \(name) does not allow the \(kind.rawValue) identity extension")
            }
            do {
                switch kind {
                case .citizenID: validated[kind] = try CitizenIDNumber.validate(value)
                case .organizationCode, .businessRegistration:
                    validated[kind] = try UnifiedSocialCreditCode.validate(value)
                case .socialInsurance, .taxNumber:
                    guard (1...32).contains(value.count),
                        value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
                    else {
                        throw IdentityNumberError.length(expected: 32, got: value.count)
                    }
                    validated[kind] = value.uppercased()
                }
            } catch {
                throw TrustError.invalid("\(kind.rawValue) \(error)")
            }
        }
        // A certificate that carries a citizen ID names one person: a subject serialNumber must be that same, valid
        // GB 11643 number (a card naming two people would prove either).
        if let citizen = validated[.citizenID], let serial = subject.first(where: { $0.type == "serialNumber" })?.value
        {
            let number: String
            do { number = try CitizenIDNumber.validate(serial) } catch {
                throw TrustError.invalid("subject serialNumber is not a valid citizen ID number: \(error)")
            }
            guard number == citizen else {
                throw TrustError.invalid("subject serialNumber and the citizen-id extension name different ID numbers")
            }
        } else if identityExtensions[.citizenID] != nil,
            let serial = subject.first(where: { $0.type == "serialNumber" })?.value
        {
            do { _ = try CitizenIDNumber.validate(serial) } catch {
                throw TrustError.invalid("subject serialNumber is not a valid citizen ID number: \(error)")
            }
        }
        return validated
    }

    public static let maxSubjectAttributes = 16
    public static let maxSubjectCharacters = 1024

    static func checkName(_ kind: SubjectAltNameKind, _ value: String) throws {
        let bad =
            value.isEmpty || value.count > 253 || value.contains(where: { $0.isWhitespace || $0 == "," || !$0.isASCII })
        switch kind {
        case .dns:
            let labels = value.split(separator: ".", omittingEmptySubsequences: false)
            let ok =
                !bad && labels.count >= 2
                && labels.enumerated().allSatisfy { index, label in
                    !label.isEmpty && label.count <= 63
                        && (label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
                            || (index == 0 && label == "*"))
                        && !label.hasPrefix("-") && !label.hasSuffix("-")
                }
            if !ok { throw TrustError.invalid("subjectAltName DNS '\(value)' is not a host name") }
        case .ip:
            let v4 =
                value.split(separator: ".").compactMap { UInt8($0) }.count == 4
                && value.split(separator: ".").count == 4
            let v6 = value.contains(":") && value.allSatisfy { $0.isHexDigit || $0 == ":" }
            if bad || !(v4 || v6) { throw TrustError.invalid("subjectAltName IP '\(value)' is not an IP address") }
        case .email:
            let parts = value.split(separator: "@")
            if bad || parts.count != 2 || !parts[1].contains(".") {
                throw TrustError.invalid("subjectAltName email '\(value)' is not an address")
            }
        case .uri:
            if bad || !(value.hasPrefix("https://") || value.hasPrefix("http://") || value.hasPrefix("urn:")) {
                throw TrustError.invalid("subjectAltName URI '\(value)' is not an http(s) or urn URI")
            }
        }
    }
}
