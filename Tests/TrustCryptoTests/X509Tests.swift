import Foundation
import TestSupport
import Testing
import TrustCrypto

@Suite struct CertificateBuilderTests {
    @Test func rsaChainsVerifyWithTheOpenSSLCommandLine() throws {
        let pki = try TestPKI(.rsa2048)
        let leaf = try pki.leaf(
            try PrivateKey.generate(.p256),
            extensions: [
                .basicConstraints(ca: false, pathLength: nil), .keyUsage([.digitalSignature]),
                .extendedKeyUsage([ExtendedKeyUsage.serverAuth]), .subjectKeyIdentifier, .authorityKeyIdentifier,
                .subjectAlternativeNames([.dns("trustd.example.gov.cn"), .ip("127.0.0.1")]),
                .crlDistributionPoints(["http://127.0.0.1:8443/v1/cas/rsa-issuing/crl"]),
                .authorityInfoAccess(
                    ocsp: ["http://127.0.0.1:8443/ocsp"],
                    caIssuers: ["http://127.0.0.1:8443/v1/cas/rsa-issuing/certificate"]),
            ])
        let dir = try TemporaryDirectory()
        let root = try dir.write("root.pem", pki.root.pem)
        let issuing = try dir.write("issuing.pem", pki.issuing.pem)
        let leafPath = try dir.write("leaf.pem", leaf.pem)
        let check = try Subprocess.run(
            "openssl", ["verify", "-x509_strict", "-CAfile", root, "-untrusted", issuing, leafPath])
        #expect(check.stdout.contains("leaf.pem: OK"), "\(check.stdout)\(check.stderr)")
        let text = try Subprocess.run("openssl", ["x509", "-in", leafPath, "-noout", "-text"]).stdout
        #expect(text.contains("DNS:trustd.example.gov.cn") && text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("OCSP - URI:http://127.0.0.1:8443/ocsp"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(leaf.subjectAlternativeNames == [.dns("trustd.example.gov.cn"), .ip("127.0.0.1")])
        #expect(leaf.authorityKeyIdentifier == pki.issuing.subjectKeyIdentifier)
        #expect(leaf.serialNumber.count == 20 && leaf.serialNumber[0] & 0x80 == 0)
        #expect(PathValidator(trustAnchors: [pki.root]).validate(leaf, intermediates: [pki.issuing]).isValid)
    }

    @Test func sm2ChainsVerifyWithOpenSSLsCAPIAndWithGmssl() throws {
        let pki = try TestPKI(.sm2)
        let leaf = try pki.leaf(try PrivateKey.generate(.sm2))
        #expect(leaf.signatureAlgorithmOID == "1.2.156.10197.1.501")
        let outcome = PathValidator(trustAnchors: [pki.root]).validate(leaf, intermediates: [pki.issuing])
        #expect(outcome.isValid, "\(outcome)")
        if case .valid(let chain) = outcome { #expect(chain.count == 3) }
        let dir = try TemporaryDirectory()
        for (name, certificate, issuer) in [
            ("root", pki.root, pki.root), ("issuing", pki.issuing, pki.root), ("leaf", leaf, pki.issuing),
        ] {
            try dir.write("\(name).der", certificate.der)
            try dir.write("\(name)-issuer.der", issuer.der)
            let check = try Subprocess.run(
                try TestPaths.python,
                [
                    TestPaths.pythonScript("sm2_x509.py"), "cert",
                    dir.file("\(name).der"), dir.file("\(name)-issuer.der"),
                ])
            #expect(check.succeeded, "\(name): \(check.stdout) \(check.stderr)")
            #expect(check.stdout.contains("\"ok\": true"))
        }
    }

    @Test(arguments: [KeyType.sm2, .rsa2048])
    func pathValidationRejectsWhatRFC5280Rejects(_ type: KeyType) throws {
        let pki = try TestPKI(type)
        let other = try TestPKI(type, name: "Other")
        let key = try PrivateKey.generate(type)
        let validator = PathValidator(trustAnchors: [pki.root])
        func reason(_ leaf: Certificate, _ intermediates: [Certificate] = [pki.issuing], at time: Date = Date())
            -> String
        {
            if case .invalid(let reason, _, _) = validator.validate(leaf, intermediates: intermediates, at: time) {
                return reason
            }
            return "valid"
        }
        // Expired and not yet valid.
        let expired = try pki.leaf(
            key, notBefore: Date(timeIntervalSinceNow: -7200), notAfter: Date(timeIntervalSinceNow: -3600))
        #expect(reason(expired).contains("expired"))
        let future = try pki.leaf(
            key, notBefore: Date(timeIntervalSinceNow: 3600), notAfter: Date(timeIntervalSinceNow: 7200))
        #expect(reason(future).contains("not yet valid"))
        // The same certificate is fine at a time inside its window.
        #expect(reason(future, at: Date(timeIntervalSinceNow: 5400)) == "valid")
        // Wrong issuer: issued by another hierarchy's CA.
        let foreign = try other.leaf(key)
        #expect(reason(foreign, [other.issuing]) != "valid")
        // Tampered signature.
        var bytes = try pki.leaf(key).der
        bytes[bytes.count - 5] ^= 0x01
        #expect(reason(try Certificate(der: bytes)).contains("signature"))
        // An issuer with CA:FALSE.
        let notCAKey = try PrivateKey.generate(type)
        let notCA = try pki.leaf(notCAKey, commonName: "not a CA")
        let underNotCA = try pki.leaf(key, issuer: notCA, issuerKey: notCAKey)
        #expect(reason(underNotCA, [pki.issuing, notCA]) != "valid")
        // An issuer CA without keyCertSign.
        let noSignKey = try PrivateKey.generate(type)
        let noSign = try pki.leaf(
            noSignKey, commonName: "CA without keyCertSign",
            extensions: [
                .basicConstraints(ca: true, pathLength: nil), .keyUsage([.cRLSign]), .subjectKeyIdentifier,
                .authorityKeyIdentifier,
            ])
        let underNoSign = try pki.leaf(key, issuer: noSign, issuerKey: noSignKey)
        #expect(reason(underNoSign, [pki.issuing, noSign]) != "valid")
    }

    @Test func csrSignaturesAreCheckedWithTheSM2ID() throws {
        for type in [KeyType.sm2, .rsa2048, .p256] {
            let key = try PrivateKey.generate(type)
            let csr = try CertificateSigningRequest.make(
                subject: DistinguishedName(["CN": "applicant"]), key: key,
                subjectAlternativeNames: [.dns("a.example")])
            #expect(csr.verifySignature(), "\(type)")
            #expect(csr.requestedSubjectAlternativeNames == [.dns("a.example")])
            #expect(try CertificateSigningRequest(pem: csr.pem).subject.commonName == "applicant")
            if type == .sm2 {
                #expect(!csr.verifySignature(sm2ID: try SM2DistinguishingID("another-id")))
                // And OpenSSL's CLI agrees when told the ID.
                let dir = try TemporaryDirectory()
                let path = try dir.write("csr.pem", csr.pem)
                let check = try Subprocess.run(
                    "openssl", ["req", "-in", path, "-verify", "-noout", "-vfyopt", "distid:1234567812345678"])
                #expect(check.stdout.contains("verify OK") || check.stderr.contains("verify OK"), "\(check.stderr)")
            }
            var tampered = csr.der
            tampered[tampered.count - 3] ^= 0x40
            if let bad = try? CertificateSigningRequest(der: tampered) { #expect(!bad.verifySignature()) }
        }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try CertificateSigningRequest(
                pem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
        }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try CertificateSigningRequest(der: SecureRandom.bytes(100))
        }
    }
}

@Suite struct RevocationTests {
    func entries(_ count: Int) -> [RevokedEntry] {
        (0..<count).map { index in
            RevokedEntry(
                serialNumber: CertificateBuilder.randomSerialNumber(),
                revocationDate: Date(timeIntervalSinceNow: -Double(index)),
                reason: RevocationReason.allCases[index % RevocationReason.allCases.count])
        }
    }

    @Test func rsaCRLsVerifyWithTheOpenSSLCommandLine() throws {
        let pki = try TestPKI(.rsa2048)
        let revoked = entries(12)
        let crl = try CRLBuilder.build(
            issuer: pki.issuing, signer: try PrivateKeySigner(pki.issuingKey), number: 7,
            thisUpdate: Date(), nextUpdate: Date(timeIntervalSinceNow: 86400), entries: revoked)
        let dir = try TemporaryDirectory()
        let path = try dir.write("crl.der", crl.der)
        let ca = try dir.write("ca.pem", pki.issuing.pem)
        let check = try Subprocess.run(
            "openssl", ["crl", "-inform", "DER", "-in", path, "-CAfile", ca, "-noout", "-text"])
        #expect(check.stderr.contains("verify OK") || check.stdout.contains("verify OK"), "\(check.stderr)")
        #expect(check.stdout.contains("X509v3 CRL Number: \n                7") || check.stdout.contains("CRL Number"))
        #expect(check.stdout.contains("Key Compromise"))
        #expect(crl.isSigned(by: try pki.issuingKey.publicKey))
        #expect(!crl.isSigned(by: try pki.rootKey.publicKey))
        #expect(crl.number == [7])
        #expect(crl.entries.count == 12)
        let unspecified = crl.entries.first { $0.serialNumber == revoked[0].serialNumber.drop { $0 == 0 }.map { $0 } }
        #expect(unspecified?.reason == nil, "unspecified is written as an absent reason code")
        #expect(
            crl.entries.first { $0.serialNumber == Array(revoked[1].serialNumber.drop { $0 == 0 }) }?.reason
                == .keyCompromise)
    }

    @Test func sm2CRLsVerifyWithGmsslOverTheTBS() throws {
        let pki = try TestPKI(.sm2)
        let revoked = entries(3)
        let crl = try CRLBuilder.build(
            issuer: pki.issuing, signer: try PrivateKeySigner(pki.issuingKey), number: 258,
            thisUpdate: Date(), nextUpdate: Date(timeIntervalSinceNow: 86400), entries: revoked)
        #expect(crl.isSigned(by: try pki.issuingKey.publicKey))
        let dir = try TemporaryDirectory()
        let check = try Subprocess.run(
            try TestPaths.python,
            [
                TestPaths.pythonScript("sm2_x509.py"), "crl",
                try dir.write("crl.der", crl.der), try dir.write("ca.der", pki.issuing.der),
            ])
        #expect(check.succeeded, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("\"number\": 258"))
        #expect(check.stdout.contains("key_compromise"))
    }

    @Test func deltaCRLsCarryTheirBase() throws {
        let pki = try TestPKI(.p256)
        let delta = try CRLBuilder.build(
            issuer: pki.issuing, signer: try PrivateKeySigner(pki.issuingKey), number: 9,
            thisUpdate: Date(), nextUpdate: Date(timeIntervalSinceNow: 3600), entries: entries(1), deltaOf: 8)
        #expect(delta.deltaBaseNumber == [8])
        #expect(delta.isSigned(by: try pki.issuingKey.publicKey))
    }
}

/// A parsed certificate keeps its key (with the key's pooled contexts and SM2 Z_A) and its subject text: both must
/// answer like fresh ones, from many threads, and a failed verification must not disturb the next.
@Suite struct KeptCertificateKeyTests {
    @Test(arguments: [KeyType.sm2, .p256, .rsa2048])
    func aCachedCertificatesKeyVerifiesAgainAndAgain(_ type: KeyType) async throws {
        let pki = try TestPKI(.sm2)
        let key = try PrivateKey.generate(type)
        let certificate = try Certificate.cached(der: try pki.leaf(key).der)
        #expect(certificate.subjectText == certificate.subject.description)
        #expect(try Certificate.cached(der: certificate.der).subjectText == certificate.subject.description)
        let messages = (0..<8).map { Array("document \($0)".utf8) }
        let signatures = try messages.map { try key.sign($0) }
        let outcomes = try await withThrowingTaskGroup(of: [Bool].self) { group in
            for round in 0..<4 {
                group.addTask {
                    let publicKey = try Certificate.cached(der: certificate.der).publicKey
                    return try messages.indices.flatMap { index in
                        // Each good signature, then the same one over another message (refused), then it again.
                        let other = messages[(index + round + 1) % messages.count]
                        return [
                            try publicKey.isValidSignature(signatures[index], for: messages[index]),
                            try !publicKey.isValidSignature(signatures[index], for: other),
                            try publicKey.isValidSignature(signatures[index], for: messages[index]),
                        ]
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes.count == 4 * 8 * 3)
        #expect(outcomes.allSatisfy { $0 })
    }
}
