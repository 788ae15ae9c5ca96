import ArgumentParser
import Foundation
import KeyCustody
import TrustCrypto
import TrustServices
import TrustStore

/// Where the daemon keeps its keys — CA, OCSP signers, seal maker, TSA units, TLS, audit, seals and signing keys:
/// the software store (`DIR/keys` under `DIR/kek`) or an HSM over PKCS#11. SM2 keys go to the token only if its
/// configuration names the vendor's SM2 mechanisms; an operator whose token has none may keep SM2 keys in the
/// software store (`sm2Keys: software`) — said in the configuration, never a silent fallback.
enum KeyStoreChoice {
    case software
    case pkcs11(configuration: String, sm2InSoftware: Bool)

    init(_ section: DaemonConfiguration.KeyStore, file: String?) throws {
        let place = file.map { "\($0): keyStore" } ?? "--key-store"
        switch section.type ?? "software" {
        case "software":
            guard section.pkcs11 == nil, section.sm2Keys == nil else {
                throw ValidationError("\(place): pkcs11 and sm2Keys go with type pkcs11")
            }
            self = .software
        case "pkcs11":
            guard let path = section.pkcs11 else {
                throw ValidationError("\(place): type pkcs11 needs pkcs11: the HSM configuration file")
            }
            let resolved = file.map { DaemonConfiguration.resolve(path, from: $0) } ?? path
            switch section.sm2Keys ?? "token" {
            case "token": self = .pkcs11(configuration: resolved, sm2InSoftware: false)
            case "software": self = .pkcs11(configuration: resolved, sm2InSoftware: true)
            case let other: throw ValidationError("\(place): sm2Keys must be token or software, not \(other)")
            }
        case let other:
            throw ValidationError("\(place): type must be software or pkcs11, not \(other)")
        }
    }

    /// The engines for this choice; for an HSM the token is opened (and logged in to) now, so a wrong PIN or a
    /// missing module stops the start with the reason before anything is written.
    func engines() throws -> ApplianceEngines {
        switch self {
        case .software:
            return .embedded
        case .pkcs11(let path, let sm2InSoftware):
            let configuration = try HSMConfiguration.load(path)
            if configuration.sm2 == nil && !sm2InSoftware {
                throw KeyCustodyError(
                    .mechanismNotSupported,
                    """
                    token '\(configuration.tokenLabel)' has no SM2 mechanisms configured (\(path): sm2:), and trustd's SM2 CAs, seals and \
                    TSA need SM2 keys: name the vendor's SM2 mechanisms there, or keep SM2 keys in the software store (keyStore.sm2Keys: software)
                    """)
            }
            let token = try PKCS11KeyStore(configuration: configuration)
            let name = "pkcs11 token=\(configuration.tokenLabel)" + (sm2InSoftware ? ", sm2 in software" : "")
            return ApplianceEngines(
                store: ApplianceEngines.embedded.store,
                keys: { directory, creating in
                    guard sm2InSoftware else { return token }
                    return SplitKeyStore(
                        primary: token, secondary: try ApplianceEngines.softwareKeys(directory, creating),
                        secondaryTypes: [.sm2])
                }, keyStoreName: name)
        }
    }
}
