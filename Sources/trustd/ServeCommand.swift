import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdTLS
import KeyCustody
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import TrustCrypto
import TrustModel
import TrustServer
import TrustServices
import TrustStore
import TrustStorePostgres

/// `trustd serve` (the default command): run the HTTP daemon on a data directory.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the trustd HTTP daemon (SIGTERM/SIGINT shut it down gracefully).",
        discussion: "Port 0 picks a free port; the line `trustd: listening on URL` names the one in use."
    )

    @Option(
        name: .long, help: "YAML configuration file (data, listen, policies, logLevel, tls); options below override it."
    )
    var config: String?

    @Option(
        name: .long, help: "Data directory; initialised on first start when empty or missing. (default: trustd-data)")
    var data: String?

    @Option(name: .long, help: "HOST:PORT to listen on. Non-loopback addresses need --tls. (default: 127.0.0.1:8443)")
    var listen: String?

    @Option(name: .long, help: "Policies directory copied into a new data directory. (default: policies)")
    var policies: String?

    @Flag(name: .long, help: "Serve HTTPS with a server certificate from trustd's own CA (key in key custody).")
    var tls = false

    @Option(
        name: .long, help: "CA issuing the TLS server certificate: an RSA or ECDSA issuing CA. (default: rsa-issuing)")
    var tlsCA: String?

    @Option(
        name: .long,
        help: "DNS name or IP address for the TLS server certificate; repeatable. (default: the listen host)")
    var tlsName: [String] = []

    @Option(name: .long, help: "Client certificates (mutual TLS): none, optional or required. (default: none)")
    var clientCertificates: String?

    @Option(
        name: .long,
        help:
            "Client connections open at once; at the cap the longest-idle one is closed. (default: from the descriptor limit)"
    )
    var maxConnections: Int?

    @Option(name: .long, help: "Seconds a client has to send a complete request head. (default: 10)")
    var headerTimeout: Double?

    @Option(name: .long, help: "Seconds an idle keep-alive connection stays open. (default: 60)")
    var idleTimeout: Double?

    @Option(
        name: .long,
        help:
            "Who may read /metrics: public, or token (auditor or admin). (default: public on loopback, token otherwise)"
    )
    var metrics: String?

    @Option(
        name: .long, help: "Where keys live: software (DIR/keys under DIR/kek) or pkcs11 (an HSM). (default: software)")
    var keyStore: String?

    @Option(
        name: .long,
        help: "The HSM's configuration file (module, tokenLabel, pin, sm2 mechanisms) for --key-store pkcs11.")
    var hsmConfig: String?

    @Option(
        name: .long,
        help: "With --key-store pkcs11: token (SM2 keys in the HSM, which must offer SM2) or software. (default: token)"
    )
    var sm2Keys: String?

    func validate() throws { _ = try settings() }

    func run() async throws {
        // Swift Concurrency's jobs run on NIO's event loops (the singleton group Hummingbird and PostgresNIO use), so a
        // request's task resumes on the loop that read it instead of waking a thread of another pool and back: about
        // four thread wake-ups fewer per request (verification 0.33× → 0.46× of openssl's rate, p99 28 → 12 ms; issue
        // 19). It asks what the rule already asks: nothing that blocks runs as a task — blocking work goes to the
        // BlockingExecutor's threads, whose resumed continuations are enqueued on a loop like any other job.
        // Installed once, first, before the daemon starts a task of its own.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let settings = try settings()
        let address = try ListenAddress(settings.listen)
        let descriptorLimit = DescriptorLimit.raiseToHardLimit()
        // Everything the daemon creates in its data directory is the owner's alone (files 0600, directories 0700).
        umask(0o077)
        let failed = SelfTest.run().filter { !$0.passed }
        guard failed.isEmpty else {
            for check in failed {
                FileHandle.standardError.write(Data("trustd: self-test \(check.name) failed: \(check.detail)\n".utf8))
            }
            throw ExitCode(70)
        }
        let directory = DataDirectory(settings.data)
        let scheme = settings.tls ? "https" : "http"
        do {
            // Before anything is written: a port in use or a bad address must not leave a half-made installation
            // with a base URL nobody serves.
            try ListenProbe.check(address)
            var engines = try settings.keyStore.engines()
            if let liveness = settings.liveness { engines.liveness = liveness }
            if let postgres = settings.postgres {
                engines = engines.withPostgres(postgres)
                if postgres.tls == .disable && !["127.0.0.1", "::1", "localhost"].contains(postgres.host) {
                    say(
                        "trustd: warning: postgres.tls is disable for \(postgres.displayURL): the password and every "
                            + "record cross the network in clear (use tls: verify-full)")
                }
            }
            if !directory.isInitialized {
                let policies = try PolicyLocation.find(settings.policies)
                say(
                    directory.hasInstallation
                        ? "trustd: completing the interrupted initialisation of \(directory.path)"
                        : "trustd: initialising \(directory.path) (SM2 and RSA hierarchies, keys in \(engines.keyStoreName), policies from \(policies))"
                )
                try directory.initialize(
                    policiesFrom: policies,
                    configuration: CAConfiguration(baseURL: "\(scheme)://\(address.urlAuthority)"),
                    actor: "system:init",
                    engines: engines)
            }
            // Held until the process exits.
            if settings.postgres == nil { try DataDirectoryLock.take(directory.path) }
            var appliance = try directory.open(engines: engines, login: settings.login)
            appliance.verifier.ofdLimits = settings.ofdLimits
            let app = try await buildApplication(
                settings: settings, appliance: appliance, directory: directory, address: address,
                descriptorLimit: descriptorLimit)
            try await app.runService()
            LogWriter.standardError.flush()
        } catch let error as TrustError {
            FileHandle.standardError.write(Data("trustd: \(error)\n".utf8))
            throw ExitCode(1)
        } catch let error as KeyCustodyError {
            FileHandle.standardError.write(Data("trustd: key store: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// A parsed `HOST:PORT` (IPv6 in brackets: `[::1]:8443`).
struct ListenAddress {
    let host: String
    let port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init(_ text: String) throws {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(after: close)...].dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            throw ValidationError("--listen must be HOST:PORT")
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535")
        }
        host = String(hostPart)
        self.port = port
    }

    /// `true` when every address the host resolves to is a loopback address (127.0.0.0/8, ::1): a name merely
    /// starting with "127." is not.
    var isLoopback: Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(host, nil, &hints, &found) == 0, let first = found else { return false }
        defer { freeaddrinfo(found) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        var any = false
        while let entry = node {
            any = true
            switch entry.pointee.ai_family {
            case AF_INET:
                let address = entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_addr.s_addr
                }
                if UInt32(bigEndian: address) >> 24 != 127 { return false }
            case AF_INET6:
                let bytes = entry.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                if bytes != [UInt8](repeating: 0, count: 15) + [1] { return false }
            default:
                return false
            }
            node = entry.pointee.ai_next
        }
        return any
    }
    var urlAuthority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Checks that the listen address can be bound, before initialisation writes anything that names it.
enum ListenProbe {
    static func check(_ address: ListenAddress) throws {
        guard address.port != 0 else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(address.host, String(address.port), &hints, &found) == 0, let info = found else {
            throw ValidationError("cannot listen on \(address.urlAuthority): the host does not resolve")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else {
            throw ValidationError("cannot listen on \(address.urlAuthority): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw ValidationError("cannot listen on \(address.urlAuthority): \(String(cString: strerror(errno)))")
        }
    }
}

/// Where the policies to install come from: the given directory, else `policies/` in the working directory, else one
/// beside the executable (a checkout's `.build/release/trustd`), else `/usr/share/trustd/policies`.
enum PolicyLocation {
    static func find(_ configured: String) throws -> String {
        let manager = FileManager.default
        func isPolicies(_ path: String) -> Bool {
            manager.fileExists(atPath: "\(path)/profiles") && manager.fileExists(atPath: "\(path)/assurance.yaml")
        }
        if isPolicies(configured) { return configured }
        guard configured == "policies" else {
            throw ValidationError(
                "\(configured) is not a policies directory (it needs profiles/, assurance.yaml and seal-types.yaml)")
        }
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("policies").path
            if isPolicies(candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        if isPolicies("/usr/share/trustd/policies") { return "/usr/share/trustd/policies" }
        throw ValidationError("no policies directory found: run from the repository root or pass --policies DIR")
    }
}

/// The process's open-files limit.
enum DescriptorLimit {
    /// Raises the soft limit to the hard limit (every connection costs a descriptor) and returns the limit in force.
    static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        // An unlimited hard limit is not a valid soft limit for descriptors; the kernel's usual ceiling is.
        let target = limit.rlim_max == rlim_t.max ? 1_048_576 : limit.rlim_max
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}

/// Writes one line to standard output at once (unbuffered), so operators and scripts see it as it happens.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
