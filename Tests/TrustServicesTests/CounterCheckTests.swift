import Foundation
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

/// The server side of counter checks, with the card's answer made by the card key in the test (the PC/SC path is
/// covered by CardFlowTests and the daemon test).
final class CounterFixture: @unchecked Sendable {
    let identity: IdentityFixture
    let service: IdentityService
    let counter: CounterCheckService
    let issuers: TemporaryDirectory
    let crls: TemporaryDirectory
    let issuer: TestPKI
    let zhang: String
    let li: String
    let operatorPrincipal = Principal(id: "op-1", name: "counter-1", roles: [.counterOperator])

    init() async throws {
        identity = try IdentityFixture()
        service = identity.service()
        issuers = try TemporaryDirectory()
        crls = try TemporaryDirectory()
        issuer = try TestPKI(.sm2, name: "Card issuer")
        try issuers.write("card-issuer.pem", issuer.root.pem + issuer.issuing.pem)
        let issuingKey = issuer.issuingKey
        let issuing = issuer.issuing
        try crls.write(
            "card-issuer.crl",
            try CRLBuilder.build(
                issuer: issuing, signer: try PrivateKeySigner(issuingKey), number: 1,
                thisUpdate: Date(timeIntervalSinceNow: -60), nextUpdate: Date(timeIntervalSinceNow: 86400),
                entries: []
            ).der)
        let directory = issuers.path
        let crlDirectory = crls.path
        counter = CounterCheckService(
            store: identity.ca.store, identity: service, ca: identity.ca.ca,
            cardIssuers: {
                try CounterCheckService.loadCardIssuers(directory: directory, crlDirectory: crlDirectory)
            }, clock: { [clock = identity.clock] in clock.now })
        zhang = try await service.registerPerson(
            name: IdentityFixture.zhang.name, idNumber: IdentityFixture.zhang.id, mobile: IdentityFixture.zhang.mobile,
            by: .system("t")
        ).record.id
        li = try await service.registerPerson(
            name: IdentityFixture.li.name, idNumber: IdentityFixture.li.id, mobile: IdentityFixture.li.mobile,
            by: .system("t")
        ).record.id
        try await identity.makePrimary(service, zhang)
        try await identity.makePrimary(service, li)
    }

    /// A card: key and certificate naming `idNumber` in serialNumber (and, for `viaExtension`, only in 1.2.156.10260.4.1.1).
    /// Validity is relative to the fixture's clock (the time the checks see), which stands still while the suite runs.
    func card(
        _ type: KeyType, idNumber: String = IdentityFixture.zhang.id, from pki: TestPKI? = nil, notAfter: Date? = nil,
        notBefore: Date? = nil
    ) throws -> (PrivateKey, Certificate) {
        let key = try PrivateKey.generate(type)
        let now = identity.clock.now
        let certificate = try (pki ?? issuer).leaf(
            key, subject: DistinguishedName(["C": "CN", "CN": "持卡人", "serialNumber": idNumber]),
            notBefore: notBefore ?? now.addingTimeInterval(-60), notAfter: notAfter ?? now.addingTimeInterval(86400))
        return (key, certificate)
    }

    /// The card's answer as card profile 1 produces it (raw r‖s for SM2/P-256).
    func answer(_ key: PrivateKey, _ challenge: [UInt8]) throws -> [UInt8] {
        switch key.type {
        case .sm2: try ECDSASignature.rawFromDER(try key.sign(challenge, algorithm: .sm2(id: .default)))
        case .p256: try ECDSASignature.rawFromDER(try key.sign(challenge, algorithm: .ecdsa(.sha256)))
        default: try key.sign(challenge, algorithm: .rsaPKCS1v15(.sha256))
        }
    }

    func check(
        _ person: String, key: PrivateKey, certificate: Certificate, challenge: ChallengeRecord? = nil,
        signOver: [UInt8]? = nil
    ) async throws -> CounterCheckService.Outcome {
        let given = challenge
        let challenge =
            if let given { given } else { try await counter.challenge(personID: person, by: Caller(operatorPrincipal)) }
        return try await counter.check(
            challengeID: challenge.id, certificateDER: certificate.der,
            signature: try answer(key, signOver ?? Array(challenge.nonce)),
            reader: "Virtual PCD 00 00", atr: "3B 88", terminal: "counter-1", by: Caller(operatorPrincipal))
    }

    func level(_ person: String) throws -> AssuranceLevel { try service.person(id: person).assessment.level }

    func failures() throws -> [AuditRecord] {
        try identity.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }.filter {
            $0.action == "counter.check" && $0.outcome == .failure
        }
    }
}

@Suite struct CounterCheckTests {
    @Test(arguments: [KeyType.sm2, .rsa2048, .p256])
    func aCardCheckRaisesAPrimaryPersonToIntermediate(type: KeyType) async throws {
        let fixture = try await CounterFixture()
        #expect(try fixture.level(fixture.zhang) == .primary)
        let (key, certificate) = try fixture.card(type)
        let outcome = try await fixture.check(fixture.zhang, key: key, certificate: certificate)
        #expect(outcome.person.assessment.level == .intermediate)
        let evidence = try #require(outcome.person.evidence.first { $0.method == .counterCard })
        #expect(evidence.id == outcome.evidenceID && evidence.passed)
        let audit = try fixture.identity.ca.store.read { try $0.auditRecords(after: 0, limit: 5000) }
        let record = try #require(audit.last { $0.action == "counter.check" })
        #expect(
            record.outcome == .success && record.actor.contains("counter-1")
                && record.details.contains("Virtual PCD 00 00"))
        #expect(audit.contains { $0.action == "identity.level" || $0.details.contains("intermediate") })
    }

    @Test func everyRefusalIsAuditedAndLeavesTheLevel() async throws {
        let fixture = try await CounterFixture()
        let zhang = fixture.zhang
        var refusals = 0
        func refused(_ expected: String, _ body: () async throws -> Void) async {
            await #expect { try await body() } throws: { "\($0)".contains(expected) }
            refusals += 1
            #expect((try? fixture.level(zhang)) == .primary, "\(expected): level unchanged")
        }
        let (key, certificate) = try fixture.card(.sm2)
        // Someone else's card; an untrusted issuer; expired; revoked on the issuer's CRL; a signature over other bytes.
        let (liKey, liCard) = try fixture.card(.sm2, idNumber: IdentityFixture.li.id)
        await refused("names another person") { _ = try await fixture.check(zhang, key: liKey, certificate: liCard) }
        // A card naming two people proves neither: serialNumber and the citizen-id extension must agree, in either order.
        for (serial, inExtension) in [
            (IdentityFixture.zhang.id, IdentityFixture.li.id), (IdentityFixture.li.id, IdentityFixture.zhang.id),
        ] {
            let twoKey = try PrivateKey.generate(.sm2)
            let twoPeople = try fixture.issuer.leaf(
                twoKey, subject: DistinguishedName(["C": "CN", "CN": "持卡人", "serialNumber": serial]),
                extensions: [
                    .basicConstraints(ca: false, pathLength: nil), .keyUsage([.digitalSignature]),
                    .subjectKeyIdentifier, .authorityKeyIdentifier,
                    .custom(
                        oid: CertificateProfile.IdentityExtension.citizenID.oid, critical: false,
                        value: try ASN1Value.printableString(inExtension)),
                ],
                notBefore: fixture.identity.clock.now.addingTimeInterval(-60))
            await refused("two different ID numbers") {
                _ = try await fixture.check(zhang, key: twoKey, certificate: twoPeople)
            }
        }
        let stranger = try TestPKI(.sm2, name: "Stranger")
        let (strangerKey, strangerCard) = try fixture.card(.sm2, from: stranger)
        await refused("not from a trusted card issuer") {
            _ = try await fixture.check(zhang, key: strangerKey, certificate: strangerCard)
        }
        let (oldKey, oldCard) = try fixture.card(
            .sm2, notAfter: fixture.identity.clock.now.addingTimeInterval(-3600),
            notBefore: fixture.identity.clock.now.addingTimeInterval(-86400))
        await refused("expired") { _ = try await fixture.check(zhang, key: oldKey, certificate: oldCard) }
        let (revokedKey, revokedCard) = try fixture.card(.rsa2048)
        try fixture.crls.write(
            "card-issuer.crl",
            try CRLBuilder.build(
                issuer: fixture.issuer.issuing, signer: try PrivateKeySigner(fixture.issuer.issuingKey), number: 2,
                thisUpdate: Date(timeIntervalSinceNow: -30),
                nextUpdate: Date(timeIntervalSinceNow: 86400),
                entries: [
                    RevokedEntry(
                        serialNumber: revokedCard.serialNumber, revocationDate: Date(timeIntervalSinceNow: -60),
                        reason: .keyCompromise)
                ]
            ).der)
        await refused("revoked") { _ = try await fixture.check(zhang, key: revokedKey, certificate: revokedCard) }
        await refused("does not verify") {
            _ = try await fixture.check(
                zhang, key: key, certificate: certificate, signOver: Array("another challenge".utf8))
        }
        // Challenges: unknown, expired, replayed.
        await refused("no counter challenge") {
            _ = try await fixture.counter.check(
                challengeID: "00ff", certificateDER: certificate.der, signature: [1], reader: "r", atr: "a",
                terminal: nil,
                by: Caller(fixture.operatorPrincipal))
        }
        let stale = try await fixture.counter.challenge(personID: zhang, by: Caller(fixture.operatorPrincipal))
        fixture.identity.clock.now = fixture.identity.clock.now.addingTimeInterval(121)
        await refused("expired") {
            _ = try await fixture.check(zhang, key: key, certificate: certificate, challenge: stale)
        }
        #expect(try fixture.failures().count == refusals)

        // A good check, then its challenge again: replay refused, audited, nothing changes.
        let fresh = try await fixture.counter.challenge(personID: zhang, by: Caller(fixture.operatorPrincipal))
        #expect(
            try await fixture.check(zhang, key: key, certificate: certificate, challenge: fresh).person.assessment.level
                == .intermediate)
        let evidence = try fixture.service.person(id: zhang).evidence.filter { $0.method == .counterCard }
        await #expect {
            _ = try await fixture.check(zhang, key: key, certificate: certificate, challenge: fresh)
        } throws: {
            ($0 as? TrustError)?.code == .conflict && "\($0)".contains("replay")
        }
        #expect(
            try fixture.service.person(id: zhang).evidence.filter { $0.method == .counterCard }.count == evidence.count)
        #expect(try fixture.failures().count == refusals + 1)
        #expect(try AuditService(store: fixture.identity.ca.store, keys: fixture.identity.ca.keys).verify().isIntact)
    }

    /// A card that refused at the terminal (wrong PIN, pulled out): the terminal reports it, the challenge is spent and
    /// the attempt audited; the level stays.
    @Test func failuresAtTheTerminalAreAuditedAndSpendTheChallenge() async throws {
        let fixture = try await CounterFixture()
        let challenge = try await fixture.counter.challenge(
            personID: fixture.zhang, by: Caller(fixture.operatorPrincipal))
        let outcome = try await fixture.counter.recordTerminalFailure(
            challengeID: challenge.id, failure: "wrong_pin: wrong PIN, 2 tries left",
            reader: "Virtual PCD 00 00", atr: "3B", terminal: "desk", by: Caller(fixture.operatorPrincipal))
        #expect(outcome.person.assessment.level == .primary && outcome.evidenceID == nil)
        let failure = try #require(try fixture.failures().last)
        #expect(failure.details.contains("at the terminal: wrong_pin") && failure.object == "person:\(fixture.zhang)")
        let (key, certificate) = try fixture.card(.sm2)
        await #expect {
            _ = try await fixture.check(fixture.zhang, key: key, certificate: certificate, challenge: challenge)
        } throws: { "\($0)".contains("replay") }
        #expect(try fixture.level(fixture.zhang) == .primary)
    }
}
