import SwiftASN1
import Testing

@testable import SealFormat

/// `EncodedNode` writes the node swift-asn1 writes, for every length form X.690 has (short, and long with one to three
/// length octets), constructed and primitive, universal and context-specific.
@Suite struct EncodedNodeTests {
    static let lengths = [0, 1, 127, 128, 129, 255, 256, 257, 4_000, 65_535, 65_536, 70_000]

    @Test(arguments: lengths)
    func aSequenceAroundEncodedContentIsSwiftASN1s(_ length: Int) throws {
        let content = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var reference = DER.Serializer()
        reference.appendConstructedNode(identifier: .sequence) { $0.serializeRawBytes(content) }
        #expect(EncodedNode.wrap(.sequence, content: content) == reference.serializedBytes)

        var tagged = DER.Serializer()
        let zero = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)
        tagged.appendConstructedNode(identifier: zero) { $0.serializeRawBytes(content) }
        #expect(EncodedNode.wrap(zero, content: content) == tagged.serializedBytes)
    }

    @Test(arguments: lengths)
    func anOctetStringIsSwiftASN1s(_ length: Int) throws {
        let content = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
        var reference = DER.Serializer()
        try reference.serialize(ASN1OctetString(contentBytes: content[...]))
        #expect(
            EncodedNode.wrap(.octetString, constructed: false, content: content) == reference.serializedBytes)
    }

    @Test func contentIsTheNodesOneAfterTheOther() throws {
        let content = try EncodedNode.content { coder in
            try coder.serialize(ASN1IA5String("ES"))
            try coder.serialize(4)
        }
        #expect(content == [0x16, 0x02, 0x45, 0x53, 0x02, 0x01, 0x04])
    }
}
