/// Where `needle` first occurs in `haystack`, or nil: the one byte search OFDFormat needs (a DOCTYPE before parsing,
/// the DocBody end tag when adding the Signatures pointer).
func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
    return (0...(haystack.count - needle.count)).first { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
}
