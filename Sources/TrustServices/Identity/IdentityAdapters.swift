import Foundation
import TrustModel

// Verification methods that ask a remote government or commercial service are adapters behind these protocols.
// trustd ships a real default for each that works on one machine (files and SQLite tables an operator fills); a
// deployment plugs in the HTTP client of the real service by conforming to the same protocol.

/// What a registry or real-name service answered.
public enum RegistryAnswer: Sendable, Hashable {
    /// Confirmed; `reference` is the service's answer id (kept with the evidence).
    case confirmed(reference: String)
    /// The service knows the subject, but a field differs (named in `detail`).
    case mismatch(String)
    /// The service does not know the subject.
    case unknown
}

/// Sends one-time codes to mobiles.
public protocol OTPSender: Sendable {
    var name: String { get }
    func send(code: String, mobile: String, personID: String, expiresAt: Date) throws
}

/// The population registry (公安人口库): name + ID number.
public protocol PopulationRegistry: Sendable {
    var name: String { get }
    func confirm(name: String, idNumberHash: String) throws -> RegistryAnswer
}

/// The business registry (市场监管): organisation name, credit code, legal representative.
public protocol BusinessRegistry: Sendable {
    var name: String { get }
    func confirm(creditCode: String, name: String, representativeName: String, representativeIDHash: String) throws
        -> RegistryAnswer
}

/// Real-name services keyed by a subject (bank card / provident fund / payment platform for persons by ID-number
/// hash; tax-filing accounts for organisations by credit code).
public protocol RealNameService: Sendable {
    var name: String { get }
    func confirm(method: VerificationMethod, subjectKey: String, name: String) throws -> RegistryAnswer
}

/// Liveness and live checks (face/voice/video).
public protocol LivenessService: Sendable {
    var name: String { get }
    func check(method: VerificationMethod, subjectName: String, sessionReference: String?) throws -> RegistryAnswer
}

/// Default SMS sender: appends each code to a 0600 outbox file that the operator console relays.
public struct OutboxOTPSender: OTPSender {
    public let path: String
    public var name: String { "outbox-sms" }

    public init(path: String) { self.path = path }

    public func send(code: String, mobile: String, personID: String, expiresAt: Date) throws {
        let line =
            "\(UTCTime.iso8601(Date())) person=\(personID) mobile=\(mobile) code=\(code) expires=\(UTCTime.iso8601(expiresAt))\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw TrustError(.unavailable, "cannot open the SMS outbox: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        guard fchmod(fd, 0o600) == 0, bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count
        else {
            throw TrustError(.unavailable, "cannot write the SMS outbox")
        }
    }
}

/// Default registry and real-name adapters: SQLite tables in trustd's database, loaded from `DIR/registry.csv`.
/// ID numbers are kept there only as keyed hashes, like everywhere else.
public struct SQLiteRegistry: PopulationRegistry, BusinessRegistry, RealNameService {
    public let store: any TransactionalStore
    public var name: String { "sqlite-registry" }

    public init(store: any TransactionalStore) { self.store = store }

    public func confirm(name: String, idNumberHash: String) throws -> RegistryAnswer {
        guard let registered = try store.read({ try $0.registryPersonName(idHash: idNumberHash) }) else {
            return .unknown
        }
        return registered == name
            ? .confirmed(reference: "registry:person") : .mismatch("the name does not match the ID number")
    }

    public func confirm(creditCode: String, name: String, representativeName: String, representativeIDHash: String)
        throws -> RegistryAnswer
    {
        guard let entry = try store.read({ try $0.registryOrganization(creditCode: creditCode) }) else {
            return .unknown
        }
        if entry.name != name { return .mismatch("the organisation name does not match the credit code") }
        if entry.representative != representativeName || entry.representativeHash != representativeIDHash {
            return .mismatch("the legal representative does not match the registry")
        }
        return .confirmed(reference: "registry:organization")
    }

    public func confirm(method: VerificationMethod, subjectKey: String, name: String) throws -> RegistryAnswer {
        guard let entry = try store.read({ try $0.registryRealName(method: method, subjectKey: subjectKey) }) else {
            return .unknown
        }
        return entry.name == name ? .confirmed(reference: entry.reference) : .mismatch("the name on file differs")
    }

    /// Loads `path`: CSV lines `person,ID,NAME`, `organization,CREDIT_CODE,NAME,REPRESENTATIVE_NAME,REPRESENTATIVE_ID`,
    /// `bank-card,ID,NAME,REFERENCE`, `tax-account,CREDIT_CODE,NAME,REFERENCE`; `#` starts a comment. Identifiers
    /// are validated; a bad line stops loading with `file:line`. Replaces the tables in one transaction.
    public func load(csv path: String, secrets: IdentitySecrets) throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrustError.invalid("\(path): cannot read")
        }
        var people: [(idHash: String, name: String)] = []
        var organizations: [(creditCode: String, entry: RegistryOrganization)] = []
        var realNames: [(method: VerificationMethod, subjectKey: String, entry: RegistryRealName)] = []
        for (index, raw) in String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false
        ).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            func bad(_ problem: String) -> TrustError { TrustError.invalid("\(path):\(index + 1): \(problem)") }
            do {
                switch (fields.first, fields.count) {
                case ("person", 3):
                    let id = try CitizenIDNumber.validate(fields[1])
                    people.append((secrets.lookupHash(id, kind: "citizen-id"), fields[2]))
                case ("organization", 5):
                    let code = try UnifiedSocialCreditCode.validate(fields[1])
                    let id = try CitizenIDNumber.validate(fields[4])
                    organizations.append(
                        (
                            code,
                            RegistryOrganization(
                                name: fields[2], representative: fields[3],
                                representativeHash: secrets.lookupHash(id, kind: "citizen-id"))
                        ))
                case ("bank-card", 4):
                    let id = try CitizenIDNumber.validate(fields[1])
                    realNames.append(
                        (
                            .bankCard, secrets.lookupHash(id, kind: "citizen-id"),
                            RegistryRealName(name: fields[2], reference: fields[3])
                        ))
                case ("tax-account", 4):
                    realNames.append(
                        (
                            .taxAccount, try UnifiedSocialCreditCode.validate(fields[1]),
                            RegistryRealName(name: fields[2], reference: fields[3])
                        ))
                default:
                    throw bad(
                        "expected person,ID,NAME | organization,CODE,NAME,REP_NAME,REP_ID | bank-card,ID,NAME,REF | tax-account,CODE,NAME,REF"
                    )
                }
            } catch let error as IdentityNumberError {
                throw bad("identifier \(error)")
            }
        }
        try store.write { tx in
            try tx.replaceRegistry(people: people, organizations: organizations, realNames: realNames)
        }
        return people.count + organizations.count + realNames.count
    }
}

/// Default liveness adapter: no liveness service is configured, so every check is refused with `not_configured`.
public struct UnconfiguredLiveness: LivenessService {
    public var name: String { "none" }
    public init() {}
    public func check(method: VerificationMethod, subjectName: String, sessionReference: String?) throws
        -> RegistryAnswer
    {
        throw TrustError(.notConfigured, "no liveness service is configured on this installation (\(method.rawValue))")
    }
}
