import CMSFormat
import Foundation
import SwiftASN1

/// Small helpers around RFC 3161 values for the signing service.
enum CMSTimestampRequest {
    static func sm3(_ digest: [UInt8]) -> TimeStampRequest {
        TimeStampRequest(hashAlgorithm: CMSObjectID.sm3, hashedMessage: digest, certReq: true)
    }

    static func sha256(_ digest: [UInt8]) -> TimeStampRequest {
        TimeStampRequest(hashAlgorithm: CMSObjectID.sha256, hashedMessage: digest, certReq: true)
    }

    /// The TimeStampToken (ContentInfo) inside a granted TimeStampResp.
    static func token(of response: [UInt8]) throws -> [UInt8] {
        let root = try DER.parse(response)
        return try DER.sequence(root, identifier: .sequence) { nodes in
            guard let status = nodes.next(), let token = nodes.next() else {
                throw CMSFormatError("the timestamp was not granted")
            }
            _ = status
            return Array(token.encodedBytes)
        }
    }
}
