internal import COpenSSL

/// Hash functions trustd uses. SHA-1 exists only for protocol identifiers that require it
/// (OCSP `CertID`, `SubjectKeyIdentifier` method 1); never for signatures.
public enum DigestAlgorithm: String, Sendable, Hashable, CaseIterable, Codable {
    case sm3
    case sha1
    case sha256
    case sha384
    case sha512

    /// Output length in bytes.
    public var outputLength: Int {
        switch self {
        case .sm3, .sha256: 32
        case .sha1: 20
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// Dotted object identifier of the hash algorithm.
    public var oid: String {
        switch self {
        case .sm3: "1.2.156.10197.1.401"
        case .sha1: "1.3.14.3.2.26"
        case .sha256: "2.16.840.1.101.3.4.2.1"
        case .sha384: "2.16.840.1.101.3.4.2.2"
        case .sha512: "2.16.840.1.101.3.4.2.3"
        }
    }

    var md: FetchedMD {
        switch self {
        case .sm3: .sm3
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }
}

/// One-shot and streaming message digests over OpenSSL's EVP interface.
public enum Digest {
    /// Hashes `data` in one call.
    public static func hash(_ algorithm: DigestAlgorithm, _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: algorithm.outputLength)
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { buffer in
                EVP_Digest(raw.baseAddress, raw.count, buffer.baseAddress, &length, algorithm.md.pointer, nil)
            }
        }
        // EVP_Digest with a fetched, built-in MD only fails on allocation failure.
        precondition(ok == 1 && Int(length) == algorithm.outputLength, "EVP_Digest failed: \(OpenSSL.drainErrors())")
        return out
    }

    /// Hashes `data` given as a string's UTF-8 bytes.
    public static func hash(_ algorithm: DigestAlgorithm, utf8 string: String) -> [UInt8] {
        hash(algorithm, Array(string.utf8))
    }
}

/// A streaming hash: feed data with ``update(_:)`` as it arrives, then ``finalize()``.
///
/// A value type over an owned `EVP_MD_CTX`: copying a `Digester` and updating the copy forks the hash state
/// (copy-on-write through `EVP_MD_CTX_copy_ex`), so it can be used like any Swift value.
public struct Digester: Sendable {
    public let algorithm: DigestAlgorithm
    private var storage: DigestContext

    public init(_ algorithm: DigestAlgorithm) {
        self.algorithm = algorithm
        self.storage = DigestContext(algorithm)
    }

    /// Adds `data` to the hash.
    public mutating func update(_ data: [UInt8]) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.update(data)
    }

    /// The digest of everything added so far. The `Digester` can keep being updated afterwards.
    public func finalize() -> [UInt8] {
        storage.copy().finish(algorithm.outputLength)
    }
}

/// Owns one `EVP_MD_CTX`. Only ever mutated through a uniquely referenced `Digester`.
final class DigestContext: @unchecked Sendable {
    private let context: OpaquePointer

    init(_ algorithm: DigestAlgorithm) {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, algorithm.md.pointer, nil) == 1 else {
            preconditionFailure("EVP_DigestInit_ex failed: \(OpenSSL.drainErrors())")
        }
        self.context = context
    }

    private init(copying other: DigestContext) {
        guard let context = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(context, other.context) == 1 else {
            preconditionFailure("EVP_MD_CTX_copy_ex failed: \(OpenSSL.drainErrors())")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    func copy() -> DigestContext { DigestContext(copying: self) }

    func update(_ data: [UInt8]) {
        let ok = data.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        precondition(ok == 1, "EVP_DigestUpdate failed: \(OpenSSL.drainErrors())")
    }

    func finish(_ length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var written: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &written) }
        precondition(ok == 1 && Int(written) == length, "EVP_DigestFinal_ex failed: \(OpenSSL.drainErrors())")
        return out
    }
}
