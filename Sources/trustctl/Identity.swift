import APIContract
import ArgumentParser
import Foundation
import TrustCrypto

extension TrustctlCommand {
    struct Person: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Natural persons: register, show level and evidence, run verifications, revoke evidence.",
            subcommands: [Create.self, Show.self, Verify.self, RevokeEvidence.self])
    }

    struct Org: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Organisations (legal persons): register, show, verify (incl. enterprise certificate), authorise persons.",
            subcommands: [
                Create.self, Show.self, Verify.self, VerifyCertificate.self, Authorize.self, RevokeAuthorization.self,
            ])
    }
}

func printPerson(_ person: PersonView, json: Bool) throws {
    if json { return try printJSON(person) }
    print("id        \(person.id)\nname      \(person.name)\nid number \(person.idNumber)\nmobile    \(person.mobile)")
    print("level     \(person.level)" + (person.levelValidUntil.map { " (until \($0))" } ?? ""))
    printEvidence(person.evidence)
}

func printOrganization(_ org: OrganizationView, json: Bool) throws {
    if json { return try printJSON(org) }
    print(
        "id          \(org.id)\nname        \(org.name)\ncredit code \(org.creditCode)\nlegal rep.  \(org.legalRepresentativeId)"
    )
    print("level       \(org.level)" + (org.levelValidUntil.map { " (until \($0))" } ?? ""))
    printEvidence(org.evidence)
    if !org.authorizations.isEmpty {
        print("")
        printTable(
            org.authorizations.map {
                [$0.id, $0.personId, $0.scope.joined(separator: ","), $0.validTo, $0.active ? "active" : "inactive"]
            },
            header: ["AUTHORIZATION", "PERSON", "SCOPE", "VALID TO", "STATE"])
    }
}

func printEvidence(_ evidence: [EvidenceView]) {
    guard !evidence.isEmpty else { return }
    print("")
    printTable(
        evidence.map {
            [
                $0.id, $0.method, $0.passed ? "passed" : "failed", $0.verifiedAt, $0.expiresAt ?? "-",
                $0.revokedAt.map { "revoked \($0)" } ?? ($0.counts ? "counts" : "does not count"), $0.source,
            ]
        },
        header: ["EVIDENCE", "METHOD", "RESULT", "VERIFIED", "EXPIRES", "STATE", "SOURCE"])
}

extension TrustctlCommand.Person {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a person (ID number per GB 11643, mainland mobile); prints the id.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "Name as on the ID card.") var name: String
        @Option(name: .long, help: "18-character citizen ID number.") var idNumber: String
        @Option(name: .long, help: "Mobile number (11 digits).") var mobile: String

        func run() async throws {
            try await reportingErrors {
                let person = try await server.client().post(
                    PersonView.self, "/v1/persons", PersonRequest(name: name, idNumber: idNumber, mobile: mobile))
                if output.json { return try printJSON(person) }
                print(person.id)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a person's level and evidence history (identifiers masked).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Person id.") var id: String

        func run() async throws {
            try await reportingErrors {
                try printPerson(
                    try await server.client().get(PersonView.self, "/v1/persons/\(segment(id))"), json: output.json)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run a verification: sms-otp (sends a code; again with --otp-id and --code to check it), population-registry, bank-card, liveness, live-check."
        )
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Person id.") var id: String
        @Option(name: .long, help: "Method.") var method: String
        @Option(name: .long, help: "sms-otp: the code's id.") var otpId: String?
        @Option(name: .long, help: "sms-otp: the code the person received.") var code: String?
        @Option(name: .long, help: "liveness/live-check: the liveness service's session reference.") var session:
            String?

        func run() async throws {
            try await reportingErrors {
                let client = try server.client()
                let body = VerificationRequest(method: method, otpId: otpId, code: code, session: session)
                let reply = try await client.call(
                    .POST, "/v1/persons/\(segment(id))/verifications", body: Array(try JSONEncoder().encode(body)))
                if reply.status == 202 {
                    // The code's id on stdout (OTP=$(trustctl person verify P --method sms-otp)); the rest for people.
                    let sent = try JSONDecoder().decode(OTPSent.self, from: Data(reply.body))
                    if output.json { return try printJSON(sent) }
                    note(
                        "code sent (otp id \(sent.otpId), expires \(sent.expiresAt)); check it with --otp-id \(sent.otpId) --code CODE"
                    )
                    return print(sent.otpId)
                }
                try printPerson(try JSONDecoder().decode(PersonView.self, from: Data(reply.body)), json: output.json)
            }
        }
    }

    struct RevokeEvidence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-evidence",
            abstract: "Revoke a piece of evidence (e.g. a mistaken check); the level is recomputed.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Evidence id.") var id: String
        @Option(name: .long, help: "Why (kept in the audit log).") var reason: String

        func run() async throws {
            try await reportingErrors {
                let evidence = try await server.client().post(
                    EvidenceView.self, "/v1/evidence/\(segment(id))/revoke", ReasonRequest(reason: reason))
                print("evidence \(evidence.id) (\(evidence.method)) revoked")
            }
        }
    }
}

extension TrustctlCommand.Org {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an organisation (credit code per GB 32100); prints the id.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "Registered name.") var name: String
        @Option(name: .long, help: "18-character unified social credit code.") var creditCode: String
        @Option(name: .long, help: "Person id of the legal representative.") var legalRepresentative: String

        func run() async throws {
            try await reportingErrors {
                let org = try await server.client().post(
                    OrganizationView.self, "/v1/organizations",
                    OrganizationRequest(name: name, creditCode: creditCode, legalRepresentativeId: legalRepresentative))
                if output.json { return try printJSON(org) }
                print(org.id)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an organisation's level, evidence and authorisations.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Organisation id.") var id: String

        func run() async throws {
            try await reportingErrors {
                try printOrganization(
                    try await server.client().get(OrganizationView.self, "/v1/organizations/\(segment(id))"),
                    json: output.json)
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a verification: business-registry, tax-account or live-check.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Organisation id.") var id: String
        @Option(name: .long, help: "Method.") var method: String
        @Option(name: .long, help: "live-check: the liveness service's session reference.") var session: String?

        func run() async throws {
            try await reportingErrors {
                let org = try await server.client().post(
                    OrganizationView.self, "/v1/organizations/\(segment(id))/verifications",
                    VerificationRequest(method: method, session: session))
                try printOrganization(org, json: output.json)
            }
        }
    }

    struct VerifyCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-certificate",
            abstract:
                "Enterprise certificate: fetch a challenge, sign it with the organisation's key (PEM file), send certificate and signature."
        )
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Organisation id.") var id: String
        @Option(
            name: .long,
            help: "The organisation certificate (PEM); more certificates in the file are sent as its chain.")
        var certificate: String
        @Option(name: .long, help: "Its private key (PEM, mode 0600), used here on this machine to sign the challenge.")
        var key: String

        func run() async throws {
            try await reportingErrors {
                let pems = String(decoding: try readFile(certificate), as: UTF8.self)
                let chain = try Certificate.parseChain(pem: pems)
                guard let leaf = chain.first else {
                    throw CallFailure(message: "\(certificate) holds no certificate", exitCode: TrustctlExit.dataError)
                }
                let privateKey = try PrivateKey(pem: String(decoding: try readFile(key), as: UTF8.self))
                let client = try server.client()
                let challenge = try await client.post(
                    ChallengeView.self, "/v1/organizations/\(segment(id))/challenges", NoBody())
                guard let bytes = Data(base64Encoded: challenge.challenge) else {
                    throw CallFailure(message: "trustd sent a malformed challenge", exitCode: TrustctlExit.failure)
                }
                let signature = try privateKey.sign(Array(bytes))
                let org = try await client.post(
                    OrganizationView.self, "/v1/organizations/\(segment(id))/verifications",
                    VerificationRequest(
                        method: "enterprise-certificate", challengeId: challenge.id, certificate: leaf.pem,
                        chain: chain.dropFirst().map(\.pem),
                        signature: Data(signature).base64EncodedString()))
                try printOrganization(org, json: output.json)
            }
        }
    }

    struct Authorize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorise a person to act for the organisation; prints the authorisation id.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Organisation id.") var id: String
        @Option(name: .long, help: "Person id.") var person: String
        @Option(name: .long, help: "Action in scope (e.g. seal.apply); repeatable.") var scope: [String]
        @Option(name: .long, help: "End of validity (ISO 8601, e.g. 2027-12-31T00:00:00Z).") var validTo: String
        @Option(name: .long, help: "Start of validity (default now).") var validFrom: String?

        func run() async throws {
            try await reportingErrors {
                let made = try await server.client().post(
                    AuthorizationView.self, "/v1/organizations/\(segment(id))/authorizations",
                    AuthorizationRequest(personId: person, scope: scope, validFrom: validFrom, validTo: validTo))
                print(made.id)
            }
        }
    }

    struct RevokeAuthorization: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-authorization", abstract: "Revoke an authorisation.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Authorisation id.") var id: String

        func run() async throws {
            try await reportingErrors {
                _ = try await server.client().post(
                    AuthorizationView.self, "/v1/authorizations/\(segment(id))/revoke", NoBody())
                print("authorization \(id) revoked")
            }
        }
    }
}
