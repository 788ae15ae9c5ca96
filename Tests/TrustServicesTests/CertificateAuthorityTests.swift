import Foundation
import GRDB
import KeyCustody
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

@Suite struct HierarchyTests {
    @Test func initialiseCreatesBothHierarchiesOnceWithKeysInCustody() throws {
        let fixture = try CAFixture.rsa()
        let cas = try fixture.ca.list()
        #expect(Set(cas.map(\.name)) == ["sm2-root", "sm2-issuing", "rsa-root", "rsa-issuing"])
        let sm2 = try #require(cas.first { $0.name == "sm2-issuing" })
        #expect(sm2.certificate.signatureAlgorithmOID == "1.2.156.10197.1.501")
        #expect(sm2.certificate.isCA && sm2.certificate.pathLengthConstraint == 0)
        #expect(
            sm2.certificate.authorityKeyIdentifier
                == cas.first { $0.name == "sm2-root" }?.certificate.subjectKeyIdentifier)
        // Keys: 4 CA keys, 4 OCSP signer keys, 1 audit key, all in the software store.
        #expect(try fixture.keys.list().count == 9)
        // Idempotent.
        try fixture.ca.initialize(actor: "again")
        #expect(try fixture.keys.list().count == 9)
        #expect(try fixture.ca.list().count == 4)
    }
}

@Suite struct RSAIssuanceTests {
    @Test func issuedChainsCRLsAndOCSPVerifyWithTheOpenSSLCommandLine() throws {
        let fixture = try CAFixture.rsa()
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject,
            sans: [.dns("platform.example.gov.cn"), .ip("10.1.2.3")])
        let (other, _) = try fixture.issue(
            .rsa2048, profile: "tls-client", ca: "rsa-issuing",
            subject: DistinguishedName(["CN": "platform-a", "O": "A"]))
        let dir = try TemporaryDirectory()
        let root = try dir.write("root.pem", issued.chain.last!.pem)
        let chain = try dir.write("chain.pem", issued.chain.map(\.pem).joined())
        let issuing = try dir.write("issuing.pem", issued.chain[0].pem)
        let leaf = try dir.write("leaf.pem", issued.certificate.pem)
        let verify = try Subprocess.run(
            "openssl",
            ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", root, "-untrusted", issuing, leaf])
        #expect(verify.stdout.contains("leaf.pem: OK"), "\(verify.stdout)\(verify.stderr)")
        let text = try Subprocess.run("openssl", ["x509", "-in", leaf, "-noout", "-text"]).stdout
        #expect(text.contains("CRL Distribution Points") && text.contains("/v1/cas/rsa-issuing/crl"))
        #expect(text.contains("OCSP - URI:http://127.0.0.1:8443/ocsp"))
        #expect(text.contains("X509v3 Subject Key Identifier") && text.contains("X509v3 Authority Key Identifier"))
        #expect(issued.certificate.serialNumber.count >= 16)

        try fixture.ca.revoke(serial: issued.record.serial, reason: .keyCompromise, actor: "officer")
        let crl = try fixture.ca.generateCRL(ca: "rsa-issuing", actor: "officer")
        let crlPath = try dir.write("crl.der", Array(crl.der))
        let crlCheck = try Subprocess.run(
            "openssl", ["crl", "-inform", "DER", "-in", crlPath, "-CAfile", issuing, "-noout", "-text"])
        #expect((crlCheck.stdout + crlCheck.stderr).contains("verify OK"), "\(crlCheck.stderr)")
        #expect(crlCheck.stdout.contains(issued.certificate.serialHex.uppercased()))
        #expect(crlCheck.stdout.contains("Key Compromise"))
        let crlChain = try Subprocess.run(
            "openssl",
            [
                "verify", "-crl_check", "-CAfile", chain, "-CRLfile",
                try dir.write("crl.pem", try CertificateRevocationList(der: Array(crl.der)).pem), leaf,
            ])
        #expect((crlChain.stdout + crlChain.stderr).contains("certificate revoked"))

        // OCSP: good, revoked with reason, unknown, nonce echoed.
        let unknownKey = try PrivateKey.generate(.p256)
        let unknown = try TestPKI(.rsa2048).leaf(unknownKey)
        let nonce = SecureRandom.bytes(16)
        let request = try OCSPRequest.make(
            for: [other.certificate, issued.certificate], issuer: issued.chain[0], nonce: nonce)
        let response = fixture.ca.ocsp.respondNow(request.der)
        let respPath = try dir.write("resp.der", response)
        let echo = try Subprocess.run(
            "openssl", ["ocsp", "-respin", respPath, "-reqin", try dir.write("req.der", request.der), "-CAfile", chain])
        #expect((echo.stdout + echo.stderr).contains("Response verify OK"), "\(echo.stderr)")
        #expect(!(echo.stdout + echo.stderr).contains("nonce"), "nonce echoed: \(echo.stdout)\(echo.stderr)")
        let status = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-respin", respPath, "-no_nonce", "-CAfile", chain, "-issuer", issuing,
                "-cert", try dir.write("other.pem", other.certificate.pem), "-cert", leaf,
            ])
        let output = status.stdout + status.stderr
        #expect(output.contains("other.pem: good"), "\(output)")
        #expect(output.contains("leaf.pem: revoked") && output.contains("Reason: keyCompromise"))
        // A serial trustd never issued, under our issuer: unknown.
        let unknownID = try OCSPResponseBuilder.certificateID(
            serialNumber: unknown.serialNumber, issuer: issued.chain[0], hash: .sha1)
        _ = unknownID
        let unknownRequest = try OCSPRequest.make(
            for: [try forgedUnderIssuer(serialOf: unknown, issuer: issued.chain[0])], issuer: issued.chain[0])
        let unknownStatus = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-respin", try dir.write("u.der", fixture.ca.ocsp.respondNow(unknownRequest.der)),
                "-no_nonce", "-CAfile", chain, "-issuer", issuing, "-serial", "0x" + unknown.serialHex,
            ])
        #expect(
            (unknownStatus.stdout + unknownStatus.stderr).contains(": unknown"),
            "\(unknownStatus.stdout)\(unknownStatus.stderr)")
    }

    /// A certificate with `serialOf`'s serial that names `issuer` (only its serial and issuer matter for a CertID).
    func forgedUnderIssuer(serialOf other: Certificate, issuer: Certificate) throws -> Certificate {
        let key = try PrivateKey.generate(.p256)
        return try CertificateBuilder.issue(
            CertificateTemplate(
                serialNumber: other.serialNumber, subject: DistinguishedName(["CN": "x"]),
                notBefore: Date(), notAfter: Date(timeIntervalSinceNow: 60),
                publicKey: try key.publicKey, extensions: []),
            issuer: issuer, signer: try PrivateKeySigner(key))
    }

    @Test func ocspAnswersFromTheCacheUntilRevocationInvalidatesIt() throws {
        let fixture = try CAFixture()
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("a.example.cn")])
        let request = try OCSPRequest.make(for: [issued.certificate], issuer: issued.chain[0])
        let first = fixture.ca.ocsp.respondNow(request.der)
        #expect(fixture.ca.ocsp.respondNow(request.der) == first, "second answer comes from the cache")
        try fixture.ca.revoke(serial: issued.record.serial, reason: .superseded, actor: "officer")
        let after = fixture.ca.ocsp.respondNow(request.der)
        #expect(after != first)
        let dir = try TemporaryDirectory()
        let check = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-respin", try dir.write("r.der", after), "-no_nonce", "-noverify",
                "-issuer", try dir.write("i.pem", issued.chain[0].pem), "-cert",
                try dir.write("c.pem", issued.certificate.pem),
            ])
        #expect(check.stdout.contains("c.pem: revoked") && check.stdout.contains("superseded"), "\(check.stdout)")
    }

    @Test func ocspCachesOnlyCertificatesTrustdIssued() throws {
        let fixture = try CAFixture()
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("a.example.cn")])
        let issuer = issued.chain[0]
        _ = fixture.ca.ocsp.respondNow(try OCSPRequest.make(for: [issued.certificate], issuer: issuer).der)
        #expect(fixture.ca.ocsp.cachedResponseCount == 1)
        let dir = try TemporaryDirectory()
        let issuerPath = try dir.write("i.pem", issuer.pem)
        for round in 0..<50 {
            let serial = [UInt8(0x11)] + SecureRandom.bytes(15)
            let response = fixture.ca.ocsp.respondNow(try OCSPRequest.der(serials: [serial], issuer: issuer))
            #expect(try OCSPResponse(der: response).status == 0)
            if round == 0 {
                let check = try Subprocess.run(
                    "openssl",
                    [
                        "ocsp", "-respin", try dir.write("u.der", response), "-no_nonce", "-noverify",
                        "-issuer", issuerPath, "-serial", "0x" + Hex.encode(serial),
                    ])
                #expect(check.stdout.contains(": unknown"), "\(check.stdout)\(check.stderr)")
            }
        }
        #expect(fixture.ca.ocsp.cachedResponseCount == 1, "answers about serials trustd never issued are not cached")
    }

    @Test func ocspRefusesSerialsLongerThanTwentyOctets() throws {
        let fixture = try CAFixture()
        let issuer = try fixture.ca.chain(of: "rsa-issuing")[0]
        let long = try OCSPRequest.der(serials: [[0x01] + SecureRandom.bytes(20)], issuer: issuer)
        #expect(try OCSPResponse(der: fixture.ca.ocsp.respondNow(long)).status == 1, "malformedRequest")
        let twenty = try OCSPRequest.der(serials: [[0x01] + SecureRandom.bytes(19)], issuer: issuer)
        #expect(try OCSPResponse(der: fixture.ca.ocsp.respondNow(twenty)).status == 0)
        #expect(fixture.ca.ocsp.cachedResponseCount == 0)
    }

    @Test func garbageOCSPRequestsGetMalformedRequest() throws {
        let fixture = try CAFixture()
        for bad in [[], SecureRandom.bytes(40), [0x30, 0x00]] {
            #expect(try OCSPResponse(der: fixture.ca.ocsp.respondNow(bad)).status == 1)
        }
        // A request about another CA's certificate: unauthorized.
        let foreign = try TestPKI(.rsa2048)
        let request = try OCSPRequest.make(
            for: [try foreign.leaf(try PrivateKey.generate(.p256))], issuer: foreign.issuing)
        #expect(try OCSPResponse(der: fixture.ca.ocsp.respondNow(request.der)).status == 6)
    }
}

@Suite struct SM2IssuanceTests {
    @Test func sm2ChainsCRLsAndOCSPVerifyWithOpenSSLsCAPIAndGmssl() throws {
        let fixture = try CAFixture()
        let (issued, _) = try fixture.issue(
            .sm2, profile: "seal", ca: "sm2-issuing", subject: sealSubject,
            identity: [.organizationCode: "91350100M000100Y43"])
        let cas = try fixture.ca.list()
        let root = try #require(cas.first { $0.name == "sm2-root" }).certificate
        let outcome = PathValidator(trustAnchors: [root]).validate(issued.certificate, intermediates: [issued.chain[0]])
        #expect(outcome.isValid, "\(outcome)")
        // The identity extension carries the credit code as a PrintableString.
        let ext = try #require(issued.certificate.extensionValue("1.2.156.10260.4.1.4"))
        #expect(ASN1Value.stringValue(ext.value) == "91350100M000100Y43")

        let dir = try TemporaryDirectory()
        let python = try TestPaths.python
        let script = TestPaths.pythonScript("sm2_x509.py")
        for (name, cert, issuer) in [
            ("leaf", issued.certificate, issued.chain[0]), ("issuing", issued.chain[0], root), ("root", root, root),
        ] {
            let check = try Subprocess.run(
                python,
                [script, "cert", try dir.write("\(name).der", cert.der), try dir.write("\(name)-i.der", issuer.der)])
            #expect(check.succeeded, "\(name): \(check.stdout)\(check.stderr)")
        }
        try fixture.ca.revoke(serial: issued.record.serial, reason: .cessationOfOperation, actor: "officer")
        let crl = try fixture.ca.generateCRL(ca: "sm2-issuing", actor: "officer")
        let crlCheck = try Subprocess.run(
            python, [script, "crl", try dir.write("crl.der", Array(crl.der)), dir.file("leaf-i.der")])
        #expect(crlCheck.succeeded, "\(crlCheck.stdout)\(crlCheck.stderr)")
        #expect(
            crlCheck.stdout.contains(issued.certificate.serialHex) && crlCheck.stdout.contains("cessation_of_operation")
        )
        #expect(try CertificateRevocationList(der: Array(crl.der)).isSigned(by: issued.chain[0].publicKey))

        let request = try OCSPRequest.make(
            for: [issued.certificate], issuer: issued.chain[0], hash: .sha256, nonce: [1, 2, 3, 4, 5, 6, 7, 8])
        let ocspCheck = try Subprocess.run(
            python, [script, "ocsp", try dir.write("ocsp.der", fixture.ca.ocsp.respondNow(request.der))])
        #expect(ocspCheck.succeeded, "\(ocspCheck.stdout)\(ocspCheck.stderr)")
        #expect(ocspCheck.stdout.contains("\"revoked\"") && ocspCheck.stdout.contains("0102030405060708"))
    }
}

@Suite struct IssuanceRuleTests {
    static let fixture = Result { try CAFixture() }

    func expectInvalid(_ message: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected invalid_request containing '\(message)'")
        } catch let error as TrustError {
            #expect(error.code == .invalidRequest, "\(error)")
            #expect(error.message.contains(message), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func csrsWithBadSignaturesAreRefused() throws {
        let fixture = try Self.fixture.get()
        let key = try PrivateKey.generate(.sm2)
        let csr = try CertificateSigningRequest.make(subject: sealSubject, key: key)
        var der = csr.der
        der[der.count - 10] ^= 0x01
        let tampered = try CertificateSigningRequest(der: der)
        expectInvalid("proof of possession") {
            _ = try fixture.ca.issue(
                csr: tampered, profile: "seal", ca: "sm2-issuing", identity: [.organizationCode: "91350100M000100Y43"],
                actor: "t")
        }
    }

    @Test func aCitizenIDCertificateNamesOnePersonWithAValidNumber() throws {
        let fixture = try Self.fixture.get()
        let zhang = "110101199003071233"
        let li = "11010519491231002X"
        for profile in ["card-holder", "person-signing"] {
            expectInvalid("name different ID numbers") {
                _ = try fixture.issue(
                    .sm2, profile: profile, ca: "sm2-issuing",
                    subject: DistinguishedName(["C": "CN", "CN": "张三", "serialNumber": zhang]),
                    identity: [.citizenID: li])
            }
            expectInvalid("serialNumber is not a valid citizen ID number") {
                _ = try fixture.issue(
                    .sm2, profile: profile, ca: "sm2-issuing",
                    subject: DistinguishedName(["C": "CN", "CN": "张三", "serialNumber": "110101199003071234"]),
                    identity: [.citizenID: zhang])
            }
        }
        expectInvalid("at most 16 attributes") {
            let many = (0..<20).map { DistinguishedName.Attribute("OU", "unit \($0)") }
            _ = try fixture.issue(
                .p256, profile: "tls-server", ca: "rsa-issuing",
                subject: DistinguishedName([.init("CN", "x.example.cn")] + many), sans: [.dns("x.example.cn")])
        }
    }

    @Test func profileViolationsAreRefusedWithTheRule() throws {
        let fixture = try Self.fixture.get()
        expectInvalid("does not allow p256 keys") {
            _ = try fixture.issue(
                .p256, profile: "seal", ca: "sm2-issuing", subject: sealSubject,
                identity: [.organizationCode: "91350100M000100Y43"])
        }
        expectInvalid("requires subject attribute O") {
            _ = try fixture.issue(
                .sm2, profile: "seal", ca: "sm2-issuing", subject: DistinguishedName(["C": "CN", "CN": "x"]),
                identity: [.organizationCode: "91350100M000100Y43"])
        }
        expectInvalid("does not allow subject attribute emailAddress") {
            _ = try fixture.issue(
                .p256, profile: "tls-server", ca: "rsa-issuing",
                subject: DistinguishedName(["CN": "x.example.cn", "emailAddress": "a@b.cn"]),
                sans: [.dns("x.example.cn")])
        }
        expectInvalid("requires at least one subjectAltName") {
            _ = try fixture.issue(.p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject)
        }
        expectInvalid("does not allow subjectAltName of type email") {
            _ = try fixture.issue(
                .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.email("a@b.cn")])
        }
        expectInvalid("is not a host name") {
            _ = try fixture.issue(
                .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("bad_host")])
        }
        expectInvalid("requires the organization-code identity extension") {
            _ = try fixture.issue(.sm2, profile: "seal", ca: "sm2-issuing", subject: sealSubject)
        }
        expectInvalid("check character") {
            _ = try fixture.issue(
                .sm2, profile: "seal", ca: "sm2-issuing", subject: sealSubject,
                identity: [.organizationCode: "91350100M000100Y44"])
        }
        expectInvalid("citizen-id") {
            _ = try fixture.issue(
                .sm2, profile: "person-signing", ca: "sm2-issuing",
                subject: DistinguishedName(["C": "CN", "CN": "张三"]),
                identity: [.citizenID: "110105194912310021"])
        }
        expectInvalid("is issued by a root CA") {
            _ = try fixture.issue(.sm2, profile: "issuing-ca", ca: "sm2-issuing", subject: sealSubject)
        }
        expectInvalid("validityDays") {
            let key = try PrivateKey.generate(.p256)
            _ = try fixture.ca.issue(
                csr: try CertificateSigningRequest.make(
                    subject: tlsSubject, key: key, subjectAlternativeNames: [.dns("a.example.cn")]),
                profile: "tls-server", ca: "rsa-issuing", validityDays: 398, actor: "t")
        }
        // A person certificate with a valid ID number is issued and carries it.
        let (person, _) = try fixture.issue(
            .sm2, profile: "person-signing", ca: "sm2-issuing", subject: DistinguishedName(["C": "CN", "CN": "张三"]),
            identity: [.citizenID: "11010519491231002x"])
        #expect(
            ASN1Value.stringValue(try #require(person.certificate.extensionValue("1.2.156.10260.4.1.1")).value)
                == "11010519491231002X")
        #expect(person.certificate.subject.commonName == "张三")
    }

    @Test func unknownProfilesCAsAndSerialsAreNotFound() throws {
        let fixture = try Self.fixture.get()
        let key = try PrivateKey.generate(.p256)
        let csr = try CertificateSigningRequest.make(
            subject: tlsSubject, key: key, subjectAlternativeNames: [.dns("a.example.cn")])
        #expect(throws: TrustError.notFound("")) {
            _ = try fixture.ca.issue(csr: csr, profile: "nope", ca: "rsa-issuing", actor: "t")
        }
        #expect(throws: TrustError.notFound("")) {
            _ = try fixture.ca.issue(csr: csr, profile: "tls-server", ca: "nope", actor: "t")
        }
        #expect(throws: TrustError.notFound("")) {
            try fixture.ca.revoke(serial: "0badc0de", reason: .keyCompromise, actor: "t")
        }
        #expect(throws: TrustError.notFound("")) { _ = try fixture.ca.certificateRecord(serial: "0badc0de") }
        #expect(throws: TrustError.invalid("")) {
            try fixture.ca.revoke(serial: "not-hex!", reason: .keyCompromise, actor: "t")
        }
    }

    @Test func revocationFollowsRFC5280ReasonRules() throws {
        let fixture = try Self.fixture.get()
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("h.example.cn")])
        let serial = issued.record.serial
        // Serials are found whatever their spelling: upper case, colons, extra leading zeros.
        let colons = stride(from: 0, to: serial.count, by: 2).map { i in
            String(
                serial[serial.index(serial.startIndex, offsetBy: i)..<serial.index(serial.startIndex, offsetBy: i + 2)])
        }.joined(separator: ":")
        #expect(try fixture.ca.certificateRecord(serial: "0000" + serial.uppercased()).serial == serial)
        #expect(try fixture.ca.certificateRecord(serial: colons).serial == serial)
        #expect(serial.count % 2 == 0 && !serial.hasPrefix("00"))
        #expect(throws: TrustError.conflict("")) {
            try fixture.ca.revoke(serial: serial, reason: .removeFromCRL, actor: "t")
        }
        #expect(try fixture.ca.revoke(serial: serial, reason: .certificateHold, actor: "t").status == .hold)
        #expect(throws: TrustError.conflict("")) {
            try fixture.ca.revoke(serial: serial, reason: .certificateHold, actor: "t")
        }
        #expect(try fixture.ca.revoke(serial: serial, reason: .removeFromCRL, actor: "t").status == .valid)
        let revoked = try fixture.ca.revoke(serial: serial.uppercased(), reason: .affiliationChanged, actor: "t")
        #expect(revoked.status == .revoked && revoked.revocationReason == .affiliationChanged)
        #expect(throws: TrustError.conflict("")) {
            try fixture.ca.revoke(serial: serial, reason: .keyCompromise, actor: "t")
        }
    }
}

@Suite struct CRLTests {
    /// Regression: updated rows once stored their dates as text, and full CRLs then said "revoked in 1970".
    @Test func fullCRLEntriesCarryTheRevocationTimeAndEveryDateIsStoredAsSeconds() throws {
        let fixture = try CAFixture()
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: DistinguishedName(["CN": "d.example.cn"]),
            sans: [.dns("d.example.cn")])
        let before = Date()
        _ = try fixture.ca.revoke(serial: issued.record.serial, reason: .keyCompromise, actor: "t")
        let record = try fixture.ca.generateCRL(ca: "rsa-issuing", actor: "t")
        let entry = try #require(try CertificateRevocationList(der: Array(record.der)).entries.first)
        #expect(abs(entry.revocationDate.timeIntervalSince(before)) < 5, "\(entry.revocationDate)")
        // SQLite keeps a column's declared type only as an affinity: check that every date went in as a REAL.
        guard TestStoreEngine.isSQLite else { return }
        let queue = try DatabaseQueue(path: fixture.databasePath)
        let types = try queue.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT typeof(revoked_at) || ',' || typeof(status_changed_at) || ',' || typeof(not_after) FROM certificate
                    WHERE status = 'revoked' UNION SELECT DISTINCT typeof(this_update) FROM crl
                    """)
        }
        #expect(Set(types) == ["real,real,real", "real"], "\(types)")
    }

    @Test func deltaCRLsListChangesSinceTheBaseIncludingReleasedHolds() throws {
        var now = Date()
        let clock = LockedClock(now)
        let fixture = try CAFixture()
        let ca = CertificateAuthority(
            store: fixture.store, keys: fixture.keys, profiles: fixture.ca.profiles, clock: { clock.now })
        let (a, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("a.example.cn")])
        let (b, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("b.example.cn")])
        let (c, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("c.example.cn")])
        try ca.revoke(serial: a.record.serial, reason: .keyCompromise, actor: "t")
        try ca.revoke(serial: b.record.serial, reason: .certificateHold, actor: "t")
        let base = try ca.generateCRL(ca: "rsa-issuing", actor: "t")
        #expect(try CertificateRevocationList(der: Array(base.der)).entries.count == 2)
        now += 60
        clock.now = now
        try ca.revoke(serial: b.record.serial, reason: .removeFromCRL, actor: "t")
        try ca.revoke(serial: c.record.serial, reason: .superseded, actor: "t")
        let delta = try ca.generateCRL(ca: "rsa-issuing", delta: true, actor: "t")
        let parsed = try CertificateRevocationList(der: Array(delta.der))
        #expect(parsed.deltaBaseNumber == [UInt8(base.number)])
        #expect(delta.number == base.number + 1)
        let reasons = Dictionary(uniqueKeysWithValues: parsed.entries.map { (Hex.encode($0.serialNumber), $0.reason) })
        #expect(
            reasons.count == 2,
            "\(reasons) a=\(a.certificate.serialHex) b=\(b.certificate.serialHex) c=\(c.certificate.serialHex)")
        #expect(reasons[b.certificate.serialHex] == .removeFromCRL)
        #expect(reasons[c.certificate.serialHex] == .superseded)
        let next = try ca.generateCRL(ca: "rsa-issuing", actor: "t")
        #expect(try CertificateRevocationList(der: Array(next.der)).entries.count == 2, "a and c; b was released")
    }
}

final class LockedClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ value: Date) { self.value = value }
    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

@Suite struct OCSPSignerRenewalTests {
    /// Delegated OCSP signers live 90 days (profile ocsp-signer); the maintenance loop renews them 30 days before
    /// they end: new key and certificate in one transaction with the audit record, the old key retired, and the next
    /// answer signed by the new signer (openssl accepts it at that time).
    @Test func delegatedSignersAreRenewedBeforeTheyEnd() throws {
        let clock = LockedClock(Date())
        let fixture = try CAFixture(clock: { clock.now })
        let (issued, _) = try fixture.issue(
            .p256, profile: "tls-server", ca: "rsa-issuing", subject: tlsSubject, sans: [.dns("a.example.cn")])
        #expect(try fixture.ca.renewOCSPSigners(actor: "test").isEmpty, "fresh signers are kept")
        let before = try #require(try fixture.store.read { try $0.ca("rsa-issuing") })
        let oldKey = try KeyID(try #require(before.ocspSignerKeyID))

        clock.now = clock.now.addingTimeInterval(70 * 86400)
        let renewed = try fixture.ca.renewOCSPSigners(actor: "system:maintenance")
        #expect(Set(renewed) == ["sm2-root", "sm2-issuing", "rsa-root", "rsa-issuing"])
        let after = try #require(try fixture.store.read { try $0.ca("rsa-issuing") })
        #expect(
            after.ocspSignerKeyID != before.ocspSignerKeyID
                && after.ocspSignerCertificate != before.ocspSignerCertificate)
        #expect(throws: (any Error).self, "the old signer key is destroyed") { _ = try fixture.keys.publicKey(oldKey) }
        let signer = try Certificate(der: Array(try #require(after.ocspSignerCertificate)))
        #expect(signer.notAfter > clock.now.addingTimeInterval(80 * 86400))
        let audit = try fixture.store.read { try $0.auditRecords(after: 0, limit: 1000) }.filter {
            $0.action == "ocsp.signer-renew"
        }
        #expect(audit.count == 4 && audit.allSatisfy { $0.actor == "system:maintenance" })

        let request = try OCSPRequest.make(for: [issued.certificate], issuer: issued.chain[0])
        let response = fixture.ca.ocsp.respondNow(request.der)
        let dir = try TemporaryDirectory()
        try dir.write("chain.pem", issued.chain.map(\.pem).joined())
        let check = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-respin", try dir.write("resp.der", response), "-reqin", try dir.write("req.der", request.der),
                "-CAfile", dir.file("chain.pem"), "-attime", String(Int(clock.now.timeIntervalSince1970)), "-resp_text",
            ])
        #expect((check.stdout + check.stderr).contains("Response verify OK"), "\(check.stderr)")
        #expect(try OCSPResponse(der: response).isSigned(by: try signer.publicKey), "signed by the renewed signer")
        #expect(try fixture.store.read { try AuditChainVerifier.verify($0, anchors: []) }.isIntact)
    }
}
