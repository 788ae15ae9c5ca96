import KeyCustody
import TrustCrypto
import TrustModel

/// A ``Signer`` whose key stays in key custody: each signature is made by the key store (software or HSM).
public struct KeyStoreSigner: Signer {
    public let store: any KeyStore
    public let keyID: KeyID
    public let publicKey: PublicKey
    public let signatureAlgorithm: SignatureAlgorithm

    public init(store: any KeyStore, keyID: KeyID, algorithm: SignatureAlgorithm? = nil) throws {
        self.store = store
        self.keyID = keyID
        self.publicKey = try custody { try store.publicKey(keyID) }
        self.signatureAlgorithm = algorithm ?? publicKey.type.defaultSignatureAlgorithm
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        try store.sign(message, with: keyID, algorithm: signatureAlgorithm)
    }
}

/// Maps key custody failures to domain errors.
func custody<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as KeyCustodyError {
        switch error.code {
        case .keyNotFound: throw TrustError.notFound(error.message)
        case .invalidRequest, .unsupportedAlgorithm: throw TrustError.invalid(error.message)
        default: throw TrustError(.unavailable, "key custody: \(error.message)")
        }
    }
}
