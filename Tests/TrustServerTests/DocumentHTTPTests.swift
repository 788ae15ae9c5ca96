import APIContract
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import TrustServer

/// `/v1/verify` with OFD documents and `/v1/documents/seal` over HTTP: per-signature JSON and HTML, and every kind of
/// bad document answered with its precise 4xx code, writing nothing.
@Suite struct DocumentHTTPTests {
    func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    @Test(.enabled(if: TestPaths.hasOFDVectors)) func realDocumentsGetOneReportPerSignatureInJSONAndHTML() async throws
    {
        let fixture = try await ServerFixture()
        let platform = try #require(fixture.tokens[.platform])
        let document = try #require(TestPaths.vector("ofd", "SESV4SignDoc.ofd"))
        try await fixture.application.test(.live) { client in
            let response = try await client.execute(
                uri: "/v1/verify", method: .post, headers: jsonHeaders(platform),
                body: try body(["document": Data(document).base64EncodedString()]))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let report = try JSONDecoder().decode(DocumentReportView.self, from: Data(buffer: response.body))
            #expect(report.format == "ofd")
            #expect(report.signatures.map(\.type) == ["Seal"])
            #expect(report.signatures.first?.report.checks.contains { $0.name == "references" } == true)
            #expect(report.indication == "INDETERMINATE")
            // Given as "signature", an OFD is recognised too; as HTML it is a page with a section per signature.
            let page = try await client.execute(
                uri: "/v1/verify?format=html", method: .post, headers: jsonHeaders(platform),
                body: try body(["signature": Data(document).base64EncodedString()]))
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("第 1 个签章（电子印章）"))
            let english = try await client.execute(
                uri: "/v1/verify?format=html&lang=en", method: .post, headers: jsonHeaders(platform),
                body: try body(["document": Data(document).base64EncodedString()]))
            #expect(String(buffer: english.body).contains("Signature 1 (electronic seal)"))
        }
    }

    @Test func badDocumentsGetPreciseCodesAndWriteNothing() async throws {
        let fixture = try await ServerFixture()
        let platform = try #require(fixture.tokens[.platform])
        let directory = try TemporaryDirectory()
        let good = try OFDSamples.package(OFDSamples.twoPages(), in: directory)
        var doctype = OFDSamples.twoPages()
        doctype[0].1 = #"<?xml version="1.0"?><!DOCTYPE OFD SYSTEM "http://169.254.169.254/">"# + doctype[0].1
        let hostile = try OFDSamples.package(doctype, in: directory)
        let traversal = try OFDSamples.package(OFDSamples.twoPages(extra: [("../../etc/cron.d/x", "x")]), in: directory)
        let before = try fixture.auditCount()
        try await fixture.application.test(.live) { client in
            let cases: [(String, [String: Any], HTTPResponse.Status, String)] = [
                ("/v1/verify", ["document": b64(Array("PK\u{3}\u{4}garbage".utf8))], .badRequest, "ofd_not_zip"),
                ("/v1/verify", ["document": b64(hostile)], .badRequest, "ofd_forbidden_xml"),
                ("/v1/verify", ["document": b64(traversal)], .badRequest, "ofd_unsafe_path"),
                ("/v1/verify", ["document": b64(good), "signature": "AAAA"], .badRequest, "invalid_request"),
                ("/v1/verify", ["document": b64(good), "data": "AAAA"], .badRequest, "invalid_request"),
                (
                    "/v1/documents/seal", ["sealId": "00", "document": b64(good), "placements": [["x": 1]]],
                    .badRequest, "invalid_placement"
                ),
                (
                    "/v1/documents/seal",
                    ["sealId": "00", "document": b64(good), "placements": [["keyword": "盖章", "page": 1]]],
                    .badRequest, "invalid_placement"
                ),
                (
                    "/v1/documents/seal",
                    ["sealId": "00", "document": b64(good), "placements": [["riding": "3-1"]]], .badRequest,
                    "invalid_placement"
                ),
                (
                    "/v1/documents/seal",
                    ["sealId": "00", "document": b64(hostile), "placements": [["page": 1, "x": 10, "y": 10]]],
                    .badRequest, "ofd_forbidden_xml"
                ),
                (
                    "/v1/documents/seal",
                    ["sealId": "00", "document": b64(good), "placements": [["page": 9, "x": 10, "y": 10]]],
                    .unprocessableContent, "ofd_placement_not_found"
                ),
                (
                    "/v1/documents/seal", ["sealId": "00", "keyId": "01", "document": b64(good), "placements": []],
                    .badRequest, "invalid_request"
                ),
            ]
            for (uri, object, status, code) in cases {
                let response = try await client.execute(
                    uri: uri, method: .post, headers: jsonHeaders(platform), body: try body(object))
                let text = String(buffer: response.body)
                #expect(response.status == status, "\(uri) \(object.keys.sorted()): \(response.status) \(text)")
                #expect(text.contains("\"code\":\"\(code)\""), "\(uri): \(text)")
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        #expect(try fixture.auditCount() == before, "no bad document wrote anything")
    }
}

@Suite struct LargeBodyGateTests {
    @Test func placesAreBoundedAndGivenBack() async throws {
        let gate = LargeBodyGate(limit: 2)
        #expect(gate.enter() && gate.enter())
        #expect(!gate.enter(), "a third document waits for no one: it is refused")
        await #expect {
            _ = try await gate.admit { 1 }
        } throws: { ($0 as? APIError)?.status == .serviceUnavailable && ($0 as? APIError)?.code == "busy" }
        gate.leave()
        #expect(try await gate.admit { gate.current } == 2)
        #expect(gate.current == 1, "the place is given back after the work, also when it throws")
        await #expect(throws: TrustErrorForTest.self) { try await gate.admit { throw TrustErrorForTest() } }
        #expect(gate.current == 1)
    }
}

struct TrustErrorForTest: Error {}
