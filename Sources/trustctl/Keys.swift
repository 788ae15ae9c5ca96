import ArgumentParser
import Foundation
import KeyCustody
import TrustCrypto

extension TrustctlCommand {
    /// `trustctl keys …`: key-custody ceremonies on the local software store or a PKCS#11 token.
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keys",
            abstract: "Generate, list, inspect and destroy keys in key custody.",
            subcommands: [
                InitKEK.self, Generate.self, List.self, PublicKeyCommand.self, Destroy.self, RotateKEK.self,
            ]
        )
    }
}

/// Where the keys are: `--store DIR` with a KEK, or `--hsm-config FILE`.
struct KeyStoreOptions: ParsableArguments {
    @Option(name: .long, help: "Directory of the software key store.")
    var store: String?

    @Option(name: .long, help: "File (mode 0600) holding the software store's key-encryption key.")
    var kekFile: String?

    @Option(name: .long, help: "Environment variable holding the key-encryption key (instead of --kek-file).")
    var kekEnv: String?

    @Option(name: .long, help: "PKCS#11 configuration file (see hsm/pkcs11.example.yaml) instead of --store.")
    var hsmConfig: String?

    func validate() throws {
        switch (store, hsmConfig) {
        case (nil, nil): throw ValidationError("give --store DIR (software keys) or --hsm-config FILE (PKCS#11)")
        case (.some, .some): throw ValidationError("--store and --hsm-config exclude each other")
        case (.some, nil):
            guard (kekFile == nil) != (kekEnv == nil) else {
                throw ValidationError("the software store needs exactly one of --kek-file or --kek-env")
            }
        case (nil, .some):
            guard kekFile == nil, kekEnv == nil else {
                throw ValidationError("--kek-file/--kek-env apply to --store only")
            }
        }
    }

    func open() throws -> any KeyStore {
        if let hsmConfig {
            return try PKCS11KeyStore(configuration: try HSMConfiguration.load(hsmConfig))
        }
        let kek =
            if let kekFile { try KeyEncryptionKey(file: kekFile) } else { try KeyEncryptionKey(environment: kekEnv!) }
        return try SoftwareKeyStore(directory: store!, kek: kek)
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}

func parseKeyID(_ text: String) throws -> KeyID {
    do { return try KeyID(text) } catch { throw ValidationError("key id must be 32 hexadecimal characters") }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func printTable(_ rows: [[String]], header: [String]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        print(
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  "))
    }
}

extension TrustctlCommand.Keys {
    struct InitKEK: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-kek",
            abstract: "Create a new random key-encryption key file (mode 0600); never overwrites.")

        @Option(name: .long, help: "Where to write the KEK.")
        var kekFile: String

        func run() throws {
            try runReportingErrors {
                try SecureFile.makePrivateDirectory(URL(fileURLWithPath: kekFile).deletingLastPathComponent().path)
                let kek = try KeyEncryptionKey.generate(writingTo: kekFile)
                print(
                    "KEK \(kek.identifier) written to \(kekFile) (mode 0600). Back it up: keys stored under it are useless without it."
                )
            }
        }
    }

    struct RotateKEK: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-kek",
            abstract: "Re-encrypt every key of a software store under a new random KEK, replacing the KEK file.",
            discussion: """
                Stop trustd first (the store must not be in use). The old KEK is read from --kek-file and every key \
                must open under it before anything changes. An interrupted rotation is finished by running this \
                again or by starting trustd. Afterwards the old KEK opens nothing: back up the new one.
                """)

        @Option(name: .long, help: "Directory of the software key store (e.g. DATA/keys).") var store: String
        @Option(name: .long, help: "The KEK file (e.g. DATA/kek); replaced by the new KEK.") var kekFile: String

        func run() throws {
            try runReportingErrors {
                let outcome = try KEKRotation.rotate(storeDirectory: store, kekPath: kekFile)
                print(
                    "\(outcome.keys) key(s) re-encrypted: KEK \(outcome.oldKEK) → \(outcome.newKEK) in \(kekFile) (mode 0600)."
                )
                print(
                    "Back up the new KEK now, apart from the data and its backups; the old KEK opens nothing any more.")
            }
        }
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate a key inside the store.")

        @OptionGroup var keyStore: KeyStoreOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .long, help: "Key type: sm2, rsa2048, rsa3072, rsa4096, p256.")
        var type: String

        @Option(name: .long, help: "A label for people (1–128 bytes).")
        var label: String

        func run() throws {
            guard let keyType = KeyType(name: type) else {
                throw ValidationError("unknown key type '\(type)' (sm2, rsa2048, rsa3072, rsa4096, p256)")
            }
            try runReportingErrors {
                let info = try keyStore.open().generate(keyType, label: label)
                if output.json { try printJSON(info) } else { print(info.id) }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys in the store.")

        @OptionGroup var keyStore: KeyStoreOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingErrors {
                let keys = try keyStore.open().list()
                if output.json { return try printJSON(keys) }
                printTable(
                    keys.map {
                        [
                            $0.id.rawValue, $0.type.rawValue, $0.backend, String($0.publicKeyFingerprint.prefix(16)),
                            $0.label,
                        ]
                    },
                    header: ["ID", "TYPE", "BACKEND", "FINGERPRINT", "LABEL"])
            }
        }
    }

    struct PublicKeyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key", abstract: "Print a key's public key (PEM).")

        @OptionGroup var keyStore: KeyStoreOptions

        @Argument(help: "Key id.")
        var id: String

        func run() throws {
            let keyID = try parseKeyID(id)
            try runReportingErrors { print(try keyStore.open().publicKey(keyID).pem, terminator: "") }
        }
    }

    struct Destroy: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Destroy a key. There is no undo.")

        @OptionGroup var keyStore: KeyStoreOptions

        @Argument(help: "Key id.")
        var id: String

        @Flag(name: .long, help: "Confirm that the key is to be destroyed.")
        var yes = false

        func run() throws {
            let keyID = try parseKeyID(id)
            guard yes else { throw ValidationError("destroying a key cannot be undone; add --yes to confirm") }
            try runReportingErrors {
                try keyStore.open().destroy(keyID)
                print("destroyed \(keyID)")
            }
        }
    }
}
