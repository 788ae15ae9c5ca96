import ArgumentParser
import Foundation
import Logging
import TrustServer
import Yams

/// `trustd --config FILE`: the daemon's settings in YAML. Command-line options override the file.
///
/// ```yaml
/// data: /var/lib/trustd
/// listen: 0.0.0.0:8443
/// policies: /usr/share/trustd/policies
/// logLevel: info
/// tls:
///   enabled: true                 # required for non-loopback addresses
///   ca: rsa-issuing               # an RSA or ECDSA issuing CA of trustd
///   names: [trustd.example.gov.cn, 10.0.0.5]
///   clientCertificates: optional  # none | optional | required (mutual TLS for platforms)
/// ```
struct DaemonConfiguration: Decodable {
    var data: String?
    var listen: String?
    var policies: String?
    var logLevel: String?
    var tls: TLS?

    struct TLS: Decodable {
        var enabled: Bool?
        var ca: String?
        var names: [String]?
        var clientCertificates: String?
    }

    static func load(_ path: String) throws -> DaemonConfiguration {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the configuration file \(path)")
        }
        do {
            return try YAMLDecoder().decode(DaemonConfiguration.self, from: String(decoding: bytes, as: UTF8.self))
        } catch let error as DecodingError {
            throw ValidationError("\(path): \(Self.describe(error))")
        } catch {
            throw ValidationError("\(path): not valid YAML: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing \(key.stringValue)"
        @unknown default:
            return "\(error)"
        }
    }
}
