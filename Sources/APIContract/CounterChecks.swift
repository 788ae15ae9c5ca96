import Foundation

// Smart-card counter checks: `/v1/counter`.

/// `POST /v1/counter/challenges`: `{"personId"}`.
public struct CounterChallengeRequest: Codable, Sendable {
    public let personId: String
    public init(personId: String) { self.personId = personId }
}

public struct CounterChallengeResponse: Codable, Sendable {
    public let challengeId, challenge, expiresAt: String
    public init(challengeId: String, challenge: String, expiresAt: String) {
        self.challengeId = challengeId
        self.challenge = challenge
        self.expiresAt = expiresAt
    }
}

/// `POST /v1/counter/checks`: `{"challengeId","certificate" (base64 DER),"signature" (base64),"reader","atr","terminal"?}`,
/// or, when the card refused at the terminal, `{"challengeId","failure","reader","atr",…}` so the attempt is audited.
public struct CounterCheckRequest: Codable, Sendable {
    public let challengeId, reader, atr: String
    public let certificate, signature, terminal, failure: String?
    public init(
        challengeId: String, certificate: String?, signature: String?, reader: String, atr: String,
        terminal: String? = nil,
        failure: String? = nil
    ) {
        self.challengeId = challengeId
        self.certificate = certificate
        self.signature = signature
        self.reader = reader
        self.atr = atr
        self.terminal = terminal
        self.failure = failure
    }
}

public struct CounterCheckResponse: Codable, Sendable {
    public let personId, level, evidenceId, certificateSubject: String
    public init(personId: String, level: String, evidenceId: String, certificateSubject: String) {
        self.personId = personId
        self.level = level
        self.evidenceId = evidenceId
        self.certificateSubject = certificateSubject
    }
}

extension CounterChallengeRequest: APIRequest {
    public func validate() throws(RequestError) { try Field.identifier(personId, "personId") }
}

extension CounterCheckRequest: APIRequest {
    public func validate() throws(RequestError) {
        try Field.identifier(challengeId, "challengeId")
        try Field.optionalText(reader, "reader", max: 128)
        try Field.optionalText(atr, "atr", max: 128)
        try Field.optionalText(terminal, "terminal", max: 128)
        if let failure {
            try Field.text(failure, "failure", max: 300)
            guard certificate == nil, signature == nil else {
                throw RequestError("a terminal failure carries no certificate or signature")
            }
        } else {
            _ = try answer()
        }
    }

    /// The card's certificate (DER) and signature; `nil` for a terminal failure.
    public func answer() throws(RequestError) -> (certificate: [UInt8], signature: [UInt8])? {
        guard failure == nil else { return nil }
        guard let certificate, let signature else { throw RequestError("give certificate and signature, or failure") }
        return (
            try Field.base64(certificate, "certificate", maxBytes: 16 * 1024),
            try Field.base64(signature, "signature", maxBytes: 1024)
        )
    }
}
