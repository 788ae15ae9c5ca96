import Foundation

/// Helpers shared by the test targets: paths, temporary directories, and running the independent
/// implementations (`openssl` CLI, Python `gmssl`) that cross-check trustd's output.
public enum TestPaths {
    /// The package root (the directory holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// A file of `../shared/vectors/<folder>` beside the project, or nil when that folder is absent (tests then skip;
    /// vectors are read in place, never copied into the project).
    public static func vector(_ folder: String, _ name: String) -> [UInt8]? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors/\(folder)/\(name)")
        return (try? Data(contentsOf: url)).map { Array($0) }
    }

    public static var hasOFDVectors: Bool { vector("ofd", "helloworld.ofd") != nil }

    /// Scripts under Tests/Support/python.
    public static func pythonScript(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/Support/python/\(name)").path
    }

    /// A product built next to the running test bundle (`swift test` builds the executables too).
    public static func builtProduct(_ name: String) throws -> String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidate = exe.deletingLastPathComponent().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw TestSupportError("\(name) is not built at \(candidate): run `swift build` first")
        }
        return candidate
    }

    /// The Python interpreter with the cross-check packages (gmssl, asn1crypto): `TRUSTD_TEST_PYTHON`, else the
    /// repository's `.venv` made by `.ci/install-deps`.
    public static var python: String {
        get throws {
            let candidate =
                ProcessInfo.processInfo.environment["TRUSTD_TEST_PYTHON"]
                ?? packageRoot.appendingPathComponent(".venv/bin/python3").path
            guard FileManager.default.isExecutableFile(atPath: candidate) else {
                throw TestSupportError(
                    "no Python with gmssl at \(candidate): run .ci/install-deps (or set TRUSTD_TEST_PYTHON)")
            }
            return candidate
        }
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A directory removed when the value is deinitialised.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ prefix: String = "trustd-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

    public func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: file(name)))) }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let stdoutBytes: [UInt8]
    public var succeeded: Bool { status == 0 }
}

/// Runs a program to completion (no shell), feeding `input` on stdin.
public enum Subprocess {
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], input: [UInt8] = [],
        environment: [String: String]? = nil, directory: String? = nil
    ) throws -> ProcessResult {
        let process = Process()
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let errorData = LockedBox(Data())
        let errorReader = Thread { errorData.value = stderr.fileHandleForReading.readDataToEndOfFile() }
        errorReader.start()
        if !input.isEmpty { stdin.fileHandleForWriting.write(Data(input)) }
        try? stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorReader.isFinished { usleep(1000) }
        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self),
            stdoutBytes: Array(out))
    }

    /// Finds `name` on PATH.
    public static func which(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for dir in ["/usr/sbin", "/sbin", "/usr/local/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        throw TestSupportError("\(name) not found on PATH: run .ci/install-deps")
    }
}

public final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    public init(_ value: T) { stored = value }
    public var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }

    /// Changes the value under the lock (a read-modify-write no other thread interleaves with).
    public func modify(_ change: (inout T) -> Void) { lock.withLock { change(&stored) } }
}

extension String {
    /// Lower-case hex of the string's UTF-8 bytes.
    public var utf8Hex: String { utf8.map { String(format: "%02x", $0) }.joined() }
}

/// A long-running child (e.g. the trustd daemon): started, watched line by line on stdout, stopped with a signal.
public final class BackgroundProcess: @unchecked Sendable {
    public let process = Process()
    private let output = LockedBox([UInt8]())
    private let errors = LockedBox([UInt8]())

    public init(
        _ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String]? = nil
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // One thread per pipe, blocking in read(2) until end of file. Not `readabilityHandler`: its dispatch source
        // on Linux, racing a pipe's close while many children start and stop, crashed the test process in
        // libdispatch (`_dispatch_event_loop_drain`, SIGSEGV) — once even with the handler removing itself at EOF.
        Self.drain(stdout.fileHandleForReading, into: output)
        Self.drain(stderr.fileHandleForReading, into: errors)
    }

    private static func drain(_ handle: FileHandle, into box: LockedBox<[UInt8]>) {
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    box.modify { $0.append(contentsOf: buffer[0..<count]) }
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        reader.start()
    }

    public var stdout: String { String(decoding: output.value, as: UTF8.self) }
    public var stderr: String { String(decoding: errors.value, as: UTF8.self) }

    /// Waits until stdout has a line matching `pattern` (a regular expression) and returns the first capture group
    /// (or the whole match). Throws when the process exits first or after `timeout` seconds.
    public func waitForLine(_ pattern: String, timeout: TimeInterval = 60) throws -> String {
        let expression = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = stdout
            if let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return String(text[Range(range, in: text)!])
            }
            if !process.isRunning {
                throw TestSupportError(
                    "process exited (\(process.terminationStatus)) before printing /\(pattern)/: \(stdout)\(stderr)")
            }
            usleep(20_000)
        }
        throw TestSupportError("timed out waiting for /\(pattern)/: \(stdout)\(stderr)")
    }

    /// Sends `signal` and waits for the exit; returns the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
