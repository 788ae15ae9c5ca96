import Foundation
import HummingbirdTLS
import KeyCustody
import NIOCore
import NIOPosix
import NIOSSL
import TrustCrypto
import TrustModel
import TrustServices

/// Whether TLS clients present certificates (mutual TLS for platforms).
public enum ClientCertificatePolicy: String, Sendable, CaseIterable {
    /// No client certificates are asked for.
    case none
    /// Asked for and verified when sent; callers without one use bearer tokens.
    case optional
    /// Every connection must present a valid certificate from one of trustd's CAs.
    case required
}

/// TLS for the daemon: the server certificate and key come from ``ServerIdentity`` (the key stays in key custody and
/// signs each handshake through ``CustodyTLSKey``); client certificates are verified against trustd's RSA and ECDSA
/// CAs and mapped to principals by ``AuthenticationMiddleware``.
public enum TLSSetup {
    public static func configuration(
        identity: ServerIdentity, keys: any KeyStore, clientCertificates: ClientCertificatePolicy,
        clientCAs: [Certificate]
    ) throws -> TLSConfiguration {
        let chain = try identity.chain.dropLast().map { try NIOSSLCertificate(bytes: $0.der, format: .der) }
        let key = NIOSSLPrivateKey(customPrivateKey: CustodyTLSKey(keys: keys, keyID: identity.keyID))
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // TLS 1.2 with forward secrecy and AEAD only (no CBC/SHA-1 suites); the key is P-256, so ECDSA suites.
        configuration.cipherSuiteValues = [
            .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
        if clientCertificates != .none {
            configuration.trustRoots = .certificates(
                try clientCAs.map { try NIOSSLCertificate(bytes: $0.der, format: .der) })
            configuration.certificateVerification =
                clientCertificates == .required ? .noHostnameVerification : .optionalVerification
        }
        return configuration
    }
}

/// A TLS private key that never leaves key custody: BoringSSL hands over the bytes to sign, key custody signs them
/// (on NIO's blocking thread pool, since an HSM may take a while), and the DER signature goes back.
struct CustodyTLSKey: NIOSSLCustomPrivateKey, Hashable {
    let keys: any KeyStore
    let keyID: KeyID

    var signatureAlgorithms: [NIOSSL.SignatureAlgorithm] { [.ecdsaSecp256R1Sha256] }

    func sign(channel: any Channel, algorithm: NIOSSL.SignatureAlgorithm, data: ByteBuffer) -> EventLoopFuture<
        ByteBuffer
    > {
        guard algorithm == .ecdsaSecp256R1Sha256 else {
            return channel.eventLoop.makeFailedFuture(
                TrustError(.invalidRequest, "unsupported TLS signature algorithm \(algorithm)"))
        }
        let message = Array(buffer: data)
        let keys = keys
        let keyID = keyID
        return NIOThreadPool.singleton.runIfActive(eventLoop: channel.eventLoop) {
            ByteBuffer(bytes: try keys.sign(message, with: keyID, algorithm: .ecdsa(.sha256)))
        }
    }

    func decrypt(channel: any Channel, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        channel.eventLoop.makeFailedFuture(TrustError(.invalidRequest, "RSA key exchange is not offered"))
    }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.keyID == rhs.keyID && lhs.keys.backend == rhs.keys.backend }
    func hash(into hasher: inout Hasher) { hasher.combine(keyID) }
}
