import CMSFormat
import Foundation
import KeyCustody
import TestSupport
import Testing
import TrustCrypto
import TrustModel
import TrustStore

@testable import TrustServices

extension SigningFixture {
    var keys: SigningKeyService {
        let ca = seals.identityFixture.ca
        return SigningKeyService(
            store: ca.store, ca: ca.ca, keys: ca.keys, identity: seals.identity,
            clock: { [clock = seals.identityFixture.clock] in clock.now })
    }

    func sign(
        key: String, _ format: SigningService.Format, person: String?, data: [UInt8]? = Array("合同 2026-7".utf8),
        digest: [UInt8]? = nil,
        timestamp: Bool = false, as principal: Principal? = nil
    ) async throws -> SigningService.Result {
        try await signing.sign(
            SigningService.Request(
                credential: .key(key), signerPersonID: person, format: format, data: data,
                digest: digest, timestamp: timestamp), by: Caller(principal ?? platform))
    }

    /// The PEM of the root above one of trustd's CAs.
    func rootPEM(of caName: String) throws -> String {
        try #require(try seals.identityFixture.ca.ca.chain(of: caName).last).pem
    }
}

func check(_ report: ValidationReport, _ name: String) -> ValidationReport.Status? {
    report.checks.first { $0.name.rawValue == name }?.status
}

@Suite struct CMSSigningTests {
    let document = Array("合同 2026-7".utf8)

    /// SM2 seal: CMS with PKCS#7 OIDs and with GM/T 0010 OIDs, time-stamped; gmssl + asn1crypto check each from the standards.
    @Test(arguments: [SigningService.Format.cms, .gmt0010])
    func sm2SealSignaturesInBothCMSFormsVerifyIndependently(format: SigningService.Format) async throws {
        let fixture = try await SigningFixture()
        let signed = try await fixture.sign(
            format, person: fixture.seals.applicantPerson, data: document, timestamp: true)
        let dir = try TemporaryDirectory()
        let report = try Subprocess.run(
            try TestPaths.python,
            [
                TestPaths.pythonScript("cms_check.py"), try dir.write("sig.der", signed.signature),
                try dir.write("doc.bin", document),
            ])
        let json = try #require(
            (try? JSONSerialization.jsonObject(with: Data(report.stdout.utf8))) as? [String: Any], "\(report.stderr)")
        #expect(json["signature_ok"] as? Bool == true && json["digest_ok"] as? Bool == true, "\(json)")
        #expect(
            json["detached"] as? Bool == true && json["signing_time"] as? Bool == true
                && json["timestamp"] as? Bool == true)
        #expect(
            json["certificate_found"] as? Bool == true && json["digest_algorithm"] as? String == "1.2.156.10197.1.401")
        if format == .cms {
            #expect(
                json["content_type"] as? String == "1.2.840.113549.1.7.2"
                    && json["econtent_type"] as? String == "1.2.840.113549.1.7.1")
            #expect(json["signature_algorithm"] as? String == "1.2.156.10197.1.501")
        } else {
            #expect(
                json["content_type"] as? String == "1.2.156.10197.6.1.4.2.2"
                    && json["econtent_type"] as? String == "1.2.156.10197.6.1.4.2.1")
            #expect(json["signature_algorithm"] as? String == "1.2.156.10197.1.301.1")
        }

        // trustd's own verifier: passes with the time-stamped time; tampered document and signature fail.
        let verified = fixture.verifier.verify(signed.signature, data: document, digest: nil)
        #expect(
            verified.indication == .totalPassed && verified.format == format.rawValue
                && verified.timeSource == "timestamp", "\(verified.checks)")
        #expect(
            verified.checks.map(\.name.rawValue) == [
                "format", "signature", "document", "timestamp", "chain", "validity", "revocation", "key-usage",
            ])
        #expect(
            fixture.verifier.verify(signed.signature, data: Array("改过的合同".utf8), digest: nil).subIndication
                == .hashFailure)
        #expect(
            fixture.verifier.verify(signed.signature, data: nil, digest: Digest.hash(.sm3, document)).indication
                == .totalPassed)
        var broken = signed.signature
        let parsed = try ParsedSignedData(der: signed.signature)
        let range = try #require(firstRange(of: parsed.signature, in: broken))
        broken[range.lowerBound + 10] ^= 0x01
        let tampered = fixture.verifier.verify(broken, data: document, digest: nil)
        #expect(
            tampered.indication == .totalFailed && tampered.subIndication == .sigCryptoFailure, "\(tampered.checks)")
    }

    /// RSA and P-256 signing keys: `openssl cms -verify` accepts the detached signatures against trustd's RSA root.
    @Test(arguments: [KeyType.rsa2048, .p256])
    func rsaAndECDSAKeySignaturesVerifyWithOpenSSL(keyType: KeyType) async throws {
        let fixture = try await SigningFixture()
        let person = fixture.seals.applicantPerson
        let key = try await fixture.keys.create(owner: .person(person), keyType: keyType, by: Caller(fixture.platform))
        #expect(
            key.certificate.issuer
                == (try #require(try fixture.seals.identityFixture.ca.ca.chain(of: "rsa-issuing").first)).subject)
        #expect(key.record.state == .active && key.certificateStatus == .valid)
        let dir = try TemporaryDirectory()
        let root = try dir.write("root.pem", try fixture.rootPEM(of: "rsa-issuing"))
        let doc = try dir.write("doc.bin", document)
        for timestamp in [false, true] {
            let signed = try await fixture.sign(key: key.record.id, .cms, person: person, timestamp: timestamp)
            let sig = try dir.write("sig.der", signed.signature)
            let result = try Subprocess.run(
                "/usr/bin/openssl",
                [
                    "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", doc,
                    "-CAfile", root, "-purpose", "any", "-out", "/dev/null",
                ])
            #expect(result.status == 0 && result.stderr.contains("Verification successful"), "\(result.stderr)")
            let report = fixture.verifier.verify(signed.signature, data: document, digest: nil)
            #expect(
                report.indication == .totalPassed && report.timeSource == (timestamp ? "timestamp" : "claimed"),
                "\(report.checks)")
            // openssl also rejects a changed document.
            let other = try dir.write("other.bin", Array("other".utf8))
            let wrong = try Subprocess.run(
                "/usr/bin/openssl",
                [
                    "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", other,
                    "-CAfile", root, "-purpose", "any", "-out", "/dev/null",
                ])
            #expect(wrong.status != 0)
        }
        // A digest instead of the document: SHA-256 for RSA/ECDSA keys; the wrong length is refused.
        let byDigest = try await fixture.sign(
            key: key.record.id, .cms, person: person, data: nil, digest: Digest.hash(.sha256, document))
        #expect(fixture.verifier.verify(byDigest.signature, data: document, digest: nil).indication == .totalPassed)
        await #expect {
            _ = try await fixture.sign(
                key: key.record.id, .cms, person: person, data: nil, digest: Digest.hash(.sm3, document) + [0])
        } throws: {
            "\($0)".contains("sha256 digest")
        }
        // raw over the data with the key.
        let raw = try await fixture.sign(key: key.record.id, .raw, person: person)
        #expect(
            try raw.certificate.publicKey.isValidSignature(
                raw.signature, for: document, algorithm: keyType.defaultSignatureAlgorithm))
        await #expect { _ = try await fixture.sign(key: key.record.id, .ses, person: person) } throws: {
            "\($0)".contains("made with a seal")
        }
    }

    /// SM2 keys for persons and organisations, every CMS form round-trips; key use is limited to its platform and holder.
    @Test func signingKeysAreIssuedByPolicyAndUsedOnlyByTheirPlatformAndHolder() async throws {
        let fixture = try await SigningFixture()
        let seals = fixture.seals
        let person = seals.applicantPerson
        let key = try await fixture.keys.create(owner: .person(person), keyType: .sm2, by: Caller(fixture.platform))
        #expect(key.certificate.subject.description.contains("李"), "\(key.certificate.subject)")
        for format in [SigningService.Format.raw, .cms, .gmt0010] {
            let signed = try await fixture.sign(key: key.record.id, format, person: person)
            if format != .raw {
                #expect(
                    fixture.verifier.verify(signed.signature, data: document, digest: nil).indication == .totalPassed)
            }
        }
        // Who may create: the legal representative is only primary; key.create.person needs intermediate.
        await #expect {
            _ = try await fixture.keys.create(
                owner: .person(seals.legalRepresentative), keyType: .sm2, by: Caller(fixture.platform))
        } throws: {
            ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("key.create.person needs intermediate")
        }
        await #expect(throws: TrustError.self) {
            _ = try await fixture.keys.create(owner: .person(person), keyType: .sm2, by: Caller(seals.applicant))
        }
        // Organisation keys need the person's authorisation for key.create.org; then sign.with-org-key.
        await #expect {
            _ = try await fixture.keys.create(
                owner: .organization(seals.organization, person: person), keyType: .sm2, by: Caller(fixture.platform))
        } throws: {
            "\($0)".contains("authoris")
        }
        _ = try await seals.identity.authorize(
            organizationID: seals.organization, personID: person, scope: ["key.create.org", "sign.with-org-key"],
            validFrom: nil, validTo: seals.identityFixture.clock.now.addingTimeInterval(86400),
            by: Caller(fixture.platform))
        let orgKey = try await fixture.keys.create(
            owner: .organization(seals.organization, person: person), keyType: .sm2, by: Caller(fixture.platform))
        #expect(orgKey.certificate.subject.description.contains("某某科技有限公司"))
        #expect(try await fixture.sign(key: orgKey.record.id, .gmt0010, person: person).format == .gmt0010)

        let old = try await fixture.sign(key: orgKey.record.id, .cms, person: person)

        // Another platform does not see the key; the holder must be named; someone else cannot sign with it.
        let otherPlatform = Principal(id: "platform-2", name: "platform-2", roles: [.platform])
        await #expect(throws: TrustError.notFound("no signing key \(key.record.id)")) {
            _ = try await fixture.sign(key: key.record.id, .cms, person: person, as: otherPlatform)
        }
        await #expect { _ = try await fixture.sign(key: key.record.id, .cms, person: nil) } throws: {
            ($0 as? TrustError)?.code == .forbidden && "\($0)".contains("needs the signer")
        }
        await #expect {
            _ = try await fixture.sign(key: key.record.id, .cms, person: seals.legalRepresentative)
        } throws: { "\($0)".contains("does not hold") }
        // Below the level: the holder loses the real-name evidence → primary → refused, and audited.
        let evidence = try #require(try seals.identity.person(id: person).evidence.first { $0.method == .bankCard })
        _ = try await seals.identity.revokeEvidence(id: evidence.id, reason: "test", by: .system("t"))
        await #expect { _ = try await fixture.sign(key: key.record.id, .cms, person: person) } throws: {
            "\($0)".contains("sign.with-key needs intermediate")
        }
        let denied = try fixture.denials().filter { $0.action == "sign.key" }
        #expect(denied.count == 4, "\(denied.map(\.details))")
        #expect(
            denied.allSatisfy {
                $0.object == "signing-key:\(key.record.id)" || $0.object == "signing-key:\(orgKey.record.id)"
            })

        // Revocation: certificate revoked and key destroyed in one step; signing then refused, verification sees REVOKED.
        let revoked = try await fixture.keys.revoke(
            id: orgKey.record.id, reason: .keyCompromise, by: Caller(fixture.platform))
        #expect(revoked.record.state == .revoked && revoked.certificateStatus == .revoked)
        await #expect { _ = try await fixture.sign(key: orgKey.record.id, .cms, person: person) } throws: {
            ($0 as? TrustError)?.code == .conflict
        }
        #expect(throws: (any Error).self) {
            _ = try seals.identityFixture.ca.keys.publicKey(try KeyID(revoked.record.keyID))
        }
        let later = fixture.verifier.verify(old.signature, data: document, digest: nil)
        #expect(check(later, "revocation") != .passed, "\(later.checks)")
        #expect(
            try AuditService(store: seals.identityFixture.ca.store, keys: seals.identityFixture.ca.keys).verify()
                .isIntact)
    }

    /// An RSA seal (type "contract"): raw, CMS and SES signatures round-trip.
    @Test func rsaSealSignsInEveryFormat() async throws {
        let fixture = try await SigningFixture(type: "contract", keyType: "rsa2048")
        let person = fixture.seals.applicantPerson
        for format in SigningService.Format.allCases {
            let signed = try await fixture.sign(format, person: person, data: document, timestamp: format != .raw)
            #expect(try signed.certificate.publicKey.type == .rsa2048)
            if format == .raw {
                #expect(
                    try signed.certificate.publicKey.isValidSignature(
                        signed.signature, for: document, algorithm: .rsaPKCS1v15(.sha256)))
            } else {
                let report = fixture.verifier.verify(signed.signature, data: document, digest: nil)
                #expect(
                    report.indication == .totalPassed && report.timeSource == "timestamp", "\(format): \(report.checks)"
                )
            }
        }
    }
}

func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
    guard needle.count <= haystack.count else { return nil }
    for start in 0...(haystack.count - needle.count)
    where haystack[start..<(start + needle.count)].elementsEqual(needle) {
        return start..<(start + needle.count)
    }
    return nil
}

/// 互认: a signature by another province's CA (made by `openssl cms -sign`, a second implementation) is recognised when
/// its root is in `certs/trusted/`, and its revocation comes from that CA's CRL in `certs/crls/`.
@Suite struct ForeignCATests {
    @Test func foreignSignaturesAreJudgedByTrustedRootsAndTheirCRLs() throws {
        let fixture = try CAFixture()
        let province = try TestPKI(.rsa2048, name: "Province B")
        let leafKey = try PrivateKey.generate(.rsa2048)
        let leaf = try province.leaf(leafKey, commonName: "王五")
        let dir = try TemporaryDirectory()
        let document = Array("跨省材料".utf8)
        let doc = try dir.write("doc.bin", document)
        let signed = try Subprocess.run(
            "/usr/bin/openssl",
            [
                "cms", "-sign", "-binary", "-md", "sha256", "-in", doc, "-signer", try dir.write("leaf.pem", leaf.pem),
                "-inkey", try dir.write("leaf.key", try leafKey.pkcs8PEM()), "-certfile",
                try dir.write("issuing.pem", province.issuing.pem),
                "-outform", "DER", "-out", dir.file("sig.der"),
            ])
        #expect(signed.status == 0, "\(signed.stderr)")
        let signature = try dir.read("sig.der")
        let trusted = try TemporaryDirectory()
        let crls = try TemporaryDirectory()
        func verify() throws -> ValidationReport {
            let anchors = try TrustAnchors.load(ca: fixture.ca, trustedDirectory: trusted.path, crlDirectory: crls.path)
            return SignatureVerifier(store: fixture.store, ca: fixture.ca, anchors: { anchors }).verify(
                signature, data: document, digest: nil)
        }

        // Not trusted: the chain is unknown, so the answer is INDETERMINATE, not FAILED.
        let unknown = try verify()
        #expect(
            unknown.indication == .indeterminate && unknown.subIndication == .noCertificateChainFound,
            "\(unknown.checks)")
        #expect(check(unknown, "signature") == .passed && check(unknown, "document") == .passed)

        // Trusted root, no CRL yet: the revocation status is unknown.
        try trusted.write("province-b.pem", province.root.pem)
        let noCRL = try verify()
        #expect(check(noCRL, "chain") == .passed && noCRL.subIndication == .tryLater, "\(noCRL.checks)")

        // The issuing CA's CRL without the leaf → passed; with the leaf revoked before signing → REVOKED.
        let signer = try PrivateKeySigner(province.issuingKey)
        let empty = try CRLBuilder.build(
            issuer: province.issuing, signer: signer, number: 1, thisUpdate: Date(timeIntervalSinceNow: -60),
            nextUpdate: Date(timeIntervalSinceNow: 86400), entries: [])
        try crls.write("province-b.crl", empty.der)
        let passed = try verify()
        #expect(passed.indication == .totalPassed && passed.signer?.contains("王五") == true, "\(passed.checks)")
        let revoked = try CRLBuilder.build(
            issuer: province.issuing, signer: signer, number: 2, thisUpdate: Date(timeIntervalSinceNow: -30),
            nextUpdate: Date(timeIntervalSinceNow: 86400),
            entries: [
                RevokedEntry(
                    serialNumber: leaf.serialNumber, revocationDate: Date(timeIntervalSinceNow: -3000),
                    reason: .keyCompromise)
            ])
        try crls.write("province-b.crl", revoked.pem)
        let refused = try verify()
        #expect(refused.indication == .totalFailed && refused.subIndication == .revoked, "\(refused.checks)")

        // A CRL with the right issuer name but signed by another key is not used; junk in certs/crls/ is named.
        let stranger = try TestPKI(.rsa2048, name: "Province B")
        let forged = try CRLBuilder.build(
            issuer: province.issuing, signer: try PrivateKeySigner(stranger.issuingKey), number: 3,
            thisUpdate: Date(), nextUpdate: Date(timeIntervalSinceNow: 60), entries: [])
        try crls.write("province-b.crl", forged.der)
        #expect(try verify().subIndication == .tryLater)
        try crls.write("junk.crl", "not a CRL")
        #expect { _ = try verify() } throws: {
            "\($0)".contains("junk.crl") && "\($0)".contains("not a DER or PEM CRL")
        }
    }
}
