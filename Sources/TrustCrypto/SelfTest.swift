/// Power-on self-test of the crypto core: known-answer tests against published vectors, then pairwise
/// sign/verify and AEAD round trips on fresh keys. `trustd` runs it at start and refuses to serve if it fails.
public enum SelfTest {
    public struct Check: Sendable, Hashable {
        public let name: String
        public let passed: Bool
        public let detail: String
    }

    /// Runs every check; never throws (a failing check is reported as such).
    public static func run() -> [Check] {
        var checks: [Check] = []
        func record(_ name: String, _ body: () throws -> Bool) {
            do {
                let ok = try body()
                checks.append(Check(name: name, passed: ok, detail: ok ? "ok" : "wrong result"))
            } catch {
                checks.append(Check(name: name, passed: false, detail: "\(error)"))
            }
        }
        // GM/T 0004 SM3 "abc"; FIPS 180-4 SHA-256 "abc".
        record("sm3-known-answer") {
            Hex.encode(Digest.hash(.sm3, utf8: "abc"))
                == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        }
        record("sha256-known-answer") {
            Hex.encode(Digest.hash(.sha256, utf8: "abc"))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        }
        // GM/T 0003.5-2012 Appendix A: the published (r, s) verifies with the published key and default ID.
        record("sm2-known-answer") {
            let point = Hex.decode(
                "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
                    + "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13")!
            let signature = Hex.decode(
                "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
                    + "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa")!
            let key = try PublicKey(ecPoint: point, type: .sm2)
            return try key.isValidSignature(signature, for: Array("message digest".utf8))
                && !key.isValidSignature(signature, for: Array("message digest!".utf8))
        }
        for type in [KeyType.sm2, .rsa2048, .p256] {
            record("\(type)-pairwise") {
                let key = try PrivateKey.generate(type)
                let message = SecureRandom.bytes(32)
                let signature = try key.sign(message)
                return try key.publicKey.isValidSignature(signature, for: message)
                    && !key.publicKey.isValidSignature(signature, for: message + [0])
            }
        }
        record("aes-256-gcm-round-trip") {
            let key = SecureRandom.bytes(32)
            let box = try AES256GCM.seal([1, 2, 3], key: key, authenticatedData: [4])
            return try AES256GCM.open(box, key: key, authenticatedData: [4]) == [1, 2, 3]
        }
        return checks
    }
}
