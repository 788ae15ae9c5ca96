import Foundation
import TestSupport
import Testing
import TrustCrypto

@Suite struct OCSPTests {
    struct Fixture {
        let pki: TestPKI
        let responder: OCSPSigner
        let good: Certificate
        let revoked: Certificate

        init(_ type: KeyType) throws {
            pki = try TestPKI(type)
            let signerKey = try PrivateKey.generate(type)
            let signerCert = try pki.leaf(
                signerKey, commonName: "OCSP Signer",
                extensions: [
                    .basicConstraints(ca: false, pathLength: nil), .keyUsage([.digitalSignature]),
                    .extendedKeyUsage([ExtendedKeyUsage.ocspSigning], critical: true), .ocspNoCheck,
                    .subjectKeyIdentifier, .authorityKeyIdentifier,
                ])
            responder = try OCSPSigner(certificate: signerCert, signer: try PrivateKeySigner(signerKey))
            good = try pki.leaf(try PrivateKey.generate(type), commonName: "good")
            revoked = try pki.leaf(try PrivateKey.generate(type), commonName: "revoked")
        }

        func answer(_ request: OCSPRequest, unknownSerials: Set<[UInt8]> = []) throws -> [UInt8] {
            let now = Date()
            let singles = request.certificateIDs.map { id -> OCSPSingleResponse in
                let status: OCSPCertificateStatus =
                    id.serialNumber == revoked.serialNumber
                    ? .revoked(at: now.addingTimeInterval(-60), reason: .keyCompromise)
                    : unknownSerials.contains(id.serialNumber) ? .unknown : .good
                return OCSPSingleResponse(
                    certificateID: id, status: status, thisUpdate: now, nextUpdate: now.addingTimeInterval(3600))
            }
            return try OCSPResponseBuilder.build(singles, signer: responder, nonce: request.nonce)
        }
    }

    @Test(arguments: [DigestAlgorithm.sha1, .sha256])
    func rsaResponsesVerifyWithOpenSSLOCSP(_ hash: DigestAlgorithm) throws {
        let fixture = try Fixture(.rsa2048)
        let nonce = SecureRandom.bytes(16)
        let unknown = try fixture.pki.leaf(try PrivateKey.generate(.rsa2048), commonName: "unknown")
        let request = try OCSPRequest.make(
            for: [fixture.good, fixture.revoked, unknown], issuer: fixture.pki.issuing, hash: hash, nonce: nonce)
        #expect(request.certificateIDs.count == 3)
        #expect(request.certificateIDs.allSatisfy { $0.hashAlgorithm == hash })
        #expect(request.nonce == nonce)
        let response = try fixture.answer(request, unknownSerials: [unknown.serialNumber])

        let dir = try TemporaryDirectory()
        let chain = try dir.write("chain.pem", fixture.pki.issuing.pem + fixture.pki.root.pem)
        let responsePath = try dir.write("resp.der", response)
        // With the original request: signature, signer chain and the echoed nonce are checked.
        let echo = try Subprocess.run(
            "openssl",
            [
                "ocsp", "-respin", responsePath, "-reqin", try dir.write("req.der", request.der),
                "-CAfile", chain,
            ])
        let echoed = echo.stdout + echo.stderr
        #expect(echoed.contains("Response verify OK"), "\(echoed)")
        #expect(
            !echoed.contains("WARNING: no nonce") && !echoed.contains("Nonce Verify error"),
            "nonce must be echoed: \(echoed)")
        // Per certificate (the CLI then builds its own request, so its nonce check is off).
        let args = [
            "ocsp", "-respin", responsePath, "-no_nonce", "-CAfile", chain,
            "-issuer", try dir.write("issuer.pem", fixture.pki.issuing.pem), "-\(hash.rawValue)",
            "-cert", try dir.write("good.pem", fixture.good.pem), "-cert",
            try dir.write("revoked.pem", fixture.revoked.pem),
            "-cert", try dir.write("unknown.pem", unknown.pem),
        ]
        let check = try Subprocess.run("openssl", args)
        let output = check.stdout + check.stderr
        #expect(output.contains("Response verify OK"), "\(output)")
        #expect(output.contains("good.pem: good"))
        #expect(output.contains("revoked.pem: revoked"))
        #expect(output.contains("Reason: keyCompromise"))
        #expect(output.contains("unknown.pem: unknown"))
        #expect(try OCSPResponse(der: response).isSigned(by: fixture.responder.certificate.publicKey))
    }

    @Test func sm2ResponsesVerifyWithGmsslOverTheTBS() throws {
        let fixture = try Fixture(.sm2)
        let nonce = SecureRandom.bytes(8)
        let request = try OCSPRequest.make(
            for: [fixture.good, fixture.revoked], issuer: fixture.pki.issuing, hash: .sha256, nonce: nonce)
        let response = try fixture.answer(request)
        #expect(try OCSPResponse(der: response).isSigned(by: fixture.responder.certificate.publicKey))
        #expect(try !OCSPResponse(der: response).isSigned(by: fixture.pki.issuingKey.publicKey))
        let dir = try TemporaryDirectory()
        let check = try Subprocess.run(
            try TestPaths.python, [TestPaths.pythonScript("sm2_x509.py"), "ocsp", try dir.write("r.der", response)])
        #expect(check.succeeded, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("\"\(fixture.good.serialHex)\", \"good\""))
        #expect(check.stdout.contains("\"\(fixture.revoked.serialHex)\", \"revoked\""))
        #expect(check.stdout.contains(Hex.encode(nonce)))
    }

    @Test func malformedRequestsAreRefused() throws {
        for bad in [
            [], SecureRandom.bytes(50), [0x30, 0x00], [UInt8](repeating: 0x30, count: OCSPRequest.maxSize + 1),
        ] {
            #expect(throws: CryptoError(.malformedInput, "")) { try OCSPRequest(der: bad) }
        }
        let error = try OCSPResponse(der: OCSPResponseBuilder.error(.malformedRequest))
        #expect(error.status == 1 && error.basicDER == nil)
    }

    @Test func preSignedCertIDsMatchClientCertIDs() throws {
        let fixture = try Fixture(.p256)
        for hash in [DigestAlgorithm.sha1, .sha256] {
            let fromClient = try OCSPRequest.make(for: [fixture.good], issuer: fixture.pki.issuing, hash: hash)
                .certificateIDs[0]
            let fromCA = try OCSPResponseBuilder.certificateID(
                serialNumber: fixture.good.serialNumber, issuer: fixture.pki.issuing, hash: hash)
            #expect(fromClient == fromCA)
        }
    }
}
