import SwiftASN1

/// A DER node around content that is already encoded, for the large nodes of a seal signature.
///
/// Why not `DER.Serializer.appendConstructedNode` alone: swift-asn1 (1.7.4) writes a one-byte length placeholder,
/// then, for content of 128 bytes or more, moves the content one element at a time to make room for the real length,
/// once per enclosing node. For an SES signature (a 1.8 KB `TBS_Sign` inside a 2.6 KB `SES_Signature`, and the signer
/// certificate) that was 3 % of the CPU of `POST /v1/sign`. Here the content is serialized first, flat, by
/// swift-asn1, and the node is the identifier (from swift-asn1), the DER length and the content, each copied once.
/// `EncodedNodeTests` checks the bytes against swift-asn1's own for every length form.
enum EncodedNode {
    /// `identifier` (constructed when `constructed`) around `content`, as DER.
    static func wrap(_ identifier: ASN1Identifier, constructed: Bool = true, content: [UInt8]) -> [UInt8] {
        let tag = identifierBytes(identifier, constructed: constructed)
        let length = definiteLength(content.count)
        var node = [UInt8]()
        node.reserveCapacity(tag.count + length.count + content.count)
        node += tag
        node += length
        node += content
        return node
    }

    /// The serialization of nodes one after the other, with no node around them: what `wrap` takes as content.
    static func content(_ body: (inout DER.Serializer) throws -> Void) rethrows -> [UInt8] {
        var coder = DER.Serializer()
        try body(&coder)
        return coder.serializedBytes
    }

    /// The identifier octets as swift-asn1 writes them: an empty node of that identifier, less its length octet.
    private static func identifierBytes(_ identifier: ASN1Identifier, constructed: Bool) -> ArraySlice<UInt8> {
        var coder = DER.Serializer()
        if constructed {
            coder.appendConstructedNode(identifier: identifier) { _ in }
        } else {
            coder.appendPrimitiveNode(identifier: identifier) { _ in }
        }
        return coder.serializedBytes.dropLast()
    }

    /// X.690 §8.1.3 definite length: short form below 128, else 0x80 | count followed by the big-endian octets.
    static func definiteLength(_ count: Int) -> [UInt8] {
        precondition(count >= 0)
        if count < 0x80 { return [UInt8(count)] }
        var octets = [UInt8]()
        var rest = count
        while rest > 0 {
            octets.insert(UInt8(truncatingIfNeeded: rest), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(octets.count)] + octets
    }
}
