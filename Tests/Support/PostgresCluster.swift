import Foundation

/// A private PostgreSQL server for tests: `initdb` in a temporary directory, its own port on 127.0.0.1, password
/// (SCRAM) authentication over TCP, stopped when the test process ends (a watchdog shell sees to it). Run as the `postgres` user when the tests
/// run as root (PostgreSQL refuses root). `shared` serves the store tests (a database each); tests that restart the
/// server start their own.
public final class PostgresCluster: @unchecked Sendable {
    public let port: Int
    public let user = "trustd"
    /// The password, in an owner-only file (what `postgres.password_file` names).
    public let passwordFile: String
    public let root: String
    private let binDir: String
    private var dataDir: String { root + "/data" }

    /// One cluster per test process, started on first use.
    public static let shared: Result<PostgresCluster, TestSupportError> = {
        do { return .success(try PostgresCluster()) } catch let error as TestSupportError {
            return .failure(error)
        } catch { return .failure(TestSupportError("\(error)")) }
    }()

    public static var available: Bool { (try? sharedCluster()) != nil }

    public static func sharedCluster() throws -> PostgresCluster { try shared.get() }

    /// With `tlsOnly`, the server has a certificate for 127.0.0.1 from a CA of its own (`caFile`) and accepts
    /// TCP connections over TLS only (`hostssl` in pg_hba.conf).
    public init(tlsOnly: Bool = false) throws {
        guard let bin = Self.findBinDir() else {
            throw TestSupportError("PostgreSQL server binaries not found: run .ci/install-deps (package postgresql)")
        }
        binDir = bin
        root = "/tmp/trustd-pg-\(UUID().uuidString.prefix(8))"
        port = try Self.freePort()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let password = UUID().uuidString
        passwordFile = root + ".password"
        _ = FileManager.default.createFile(
            atPath: passwordFile, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        let serverPasswordFile = root + "/pwfile"
        _ = FileManager.default.createFile(atPath: serverPasswordFile, contents: Data(password.utf8))
        if getuid() == 0 {
            _ = try Subprocess.run("/bin/chown", ["-R", "postgres:postgres", root])
        }
        try runAsServer(
            "initdb",
            [
                "-D", dataDir, "-U", user, "--pwfile=\(serverPasswordFile)", "--auth-host=scram-sha-256",
                "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
            ])
        if tlsOnly { try requireTLS() }
        try start()
    }

    /// The CA of the server certificate (with `tlsOnly`).
    public var caFile: String { root + ".ca.pem" }

    private func requireTLS() throws {
        let work = root + "-tls"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        func openssl(_ arguments: [String]) throws {
            let result = try Subprocess.run("openssl", arguments)
            guard result.succeeded else { throw TestSupportError("openssl \(arguments[0]): \(result.stderr)") }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try openssl(
            ["req", "-x509"] + ec + [
                "-keyout", "\(work)/ca.key", "-out", caFile, "-subj", "/CN=test db CA", "-days", "2",
            ])
        try openssl(
            ["req"] + ec + ["-keyout", "\(dataDir)/server.key", "-out", "\(work)/server.csr", "-subj", "/CN=127.0.0.1"])
        try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: URL(fileURLWithPath: "\(work)/ext"))
        try openssl([
            "x509", "-req", "-in", "\(work)/server.csr", "-CA", caFile, "-CAkey", "\(work)/ca.key", "-CAcreateserial",
            "-out", "\(dataDir)/server.crt", "-days", "2", "-extfile", "\(work)/ext",
        ])
        try Data("local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n".utf8).write(
            to: URL(fileURLWithPath: "\(dataDir)/pg_hba.conf"))
        let settings = "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
        let configuration = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dataDir)/postgresql.conf"))
        try configuration.seekToEnd()
        try configuration.write(contentsOf: Data(settings.utf8))
        try configuration.close()
        chmod("\(dataDir)/server.key", 0o600)
        if getuid() == 0 {
            _ = try Subprocess.run("/bin/chown", ["-R", "postgres:postgres", dataDir])
        }
    }

    /// Starts the server (again) on its port and waits until it accepts connections. The postmaster runs in the
    /// foreground as a child of the test process (not daemonised by pg_ctl: a daemon would inherit the descriptor
    /// Foundation watches to see its child end, and the start would never return).
    public func start() throws {
        let server = try BackgroundProcess(
            Self.asServerUser(binDir + "/postgres"),
            Self.asServerArguments(binDir + "/postgres")
                + [
                    "-D", dataDir, "-p", "\(port)", "-k", root, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                    "-c", "max_connections=200",
                ])
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c", Self.watchdogScript, "watchdog", "\(getpid())", "\(server.process.processIdentifier)", root,
            passwordFile,
        ]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
        self.watchdog.value = watchdog.processIdentifier
        self.server.value = server
        let deadline = Date(timeIntervalSinceNow: 60)
        while Date() < deadline {
            let ready = try Subprocess.run(
                binDir + "/pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", "postgres"])
            if ready.succeeded { return }
            if !server.process.isRunning {
                throw TestSupportError("postgres exited: \(server.stderr)")
            }
            usleep(100_000)
        }
        throw TestSupportError("postgres did not accept connections within 60 s: \(server.stderr)")
    }

    /// Stops the server: `fast` (SIGINT: clients disconnected, clean shutdown) or `immediate` (SIGQUIT, as a crash).
    public func stop(mode: String = "fast") {
        if let watchdog = watchdog.value { kill(watchdog, SIGKILL) }
        watchdog.value = nil
        guard let server = server.value else { return }
        server.stop(signal: mode == "immediate" ? SIGQUIT : SIGINT, timeout: 60)
        self.server.value = nil
    }

    private let server = LockedBox<BackgroundProcess?>(nil)

    private let watchdog = LockedBox<Int32?>(nil)

    /// Watches the test process: when it is gone — however it ended (an atexit handler does not run when it is
    /// killed) — the server is stopped and its directory removed, so no server outlives the tests.
    private static let watchdogScript = """
        parent=$1; server=$2; root=$3; password=$4
        while kill -0 "$parent" 2>/dev/null; do sleep 1; done
        kill -INT "$server" 2>/dev/null
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$server" 2>/dev/null || break; sleep 1; done
        rm -rf "$root" "$password"
        """

    /// `setpriv` runs the program itself as `postgres` (no intermediate process to forward signals).
    private static func asServerUser(_ program: String) -> String {
        getuid() == 0 ? "/usr/bin/setpriv" : program
    }
    private static func asServerArguments(_ program: String) -> [String] {
        getuid() == 0 ? ["--reuid=postgres", "--regid=postgres", "--init-groups", program] : []
    }

    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// A new empty database.
    public func createDatabase() throws -> String {
        let name = "t_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        _ = try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL as the superuser over the local socket; returns psql's unaligned output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try runAsServer(
            "psql",
            ["-h", root, "-p", "\(port)", "-U", user, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]
        ).stdout
    }

    @discardableResult
    private func runAsServer(_ tool: String, _ arguments: [String]) throws -> ProcessResult {
        let program = binDir + "/" + tool
        let result = try Subprocess.run(Self.asServerUser(program), Self.asServerArguments(program) + arguments)
        guard result.succeeded else {
            throw TestSupportError("\(tool) failed (\(result.status)): \(result.stderr)\(result.stdout)")
        }
        return result
    }

    private static func findBinDir() -> String? {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        return versions.map { "\(base)/\($0)/bin" }.first {
            FileManager.default.isExecutableFile(atPath: $0 + "/initdb")
        }
    }

    /// A port on 127.0.0.1 nothing listens on now (the kernel picks it; a caller binds it soon after).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestSupportError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: root)
        try? FileManager.default.removeItem(atPath: passwordFile)
        try? FileManager.default.removeItem(atPath: caFile)
    }
}
