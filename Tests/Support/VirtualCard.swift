import Foundation
import Glibc
import TrustCrypto

/// A test-owned smart card speaking the vpcd protocol (platform-recipes §2.3): it connects to pcscd's vpcd driver on
/// 127.0.0.1:port, answers the control bytes (power on/off/reset, get ATR) and implements trustd card profile 1
/// (select AID, select EF C000 with an FCP, READ BINARY with `6C xx`, VERIFY PIN with a retry counter,
/// INTERNAL AUTHENTICATE answering `61 xx` for GET RESPONSE). Faults are configurable per card.
public final class VirtualCard: @unchecked Sendable {
    public struct Faults: Sendable {
        /// Answer `6A 82` to SELECT of the trustd application.
        public var noApplication = false
        /// Close the connection (the card is pulled out) when this APDU number arrives (1-based).
        public var removeAtAPDU: Int? = nil
        /// Flip a bit of every signature the card makes.
        public var wrongSignature = false
        public init(noApplication: Bool = false, removeAtAPDU: Int? = nil, wrongSignature: Bool = false) {
            self.noApplication = noApplication
            self.removeAtAPDU = removeAtAPDU
            self.wrongSignature = wrongSignature
        }
    }

    public let port: Int
    let certificate: [UInt8]
    let key: PrivateKey
    let pin: String
    let faults: Faults
    private let lock = NSLock()
    private var socket: Int32 = -1
    private var running = true
    private var thread: Thread?
    // Card state (one connection at a time).
    private var triesLeft: Int
    private var verified = false
    private var applicationSelected = false
    private var fileSelected = false
    private var pending: [UInt8] = []
    private var apduCount = 0
    /// Every C-APDU the card received, as hex (for assertions).
    public private(set) var log: [String] = []

    public static let atr: [UInt8] = {
        let body: [UInt8] = [0x88, 0x80, 0x01] + Array("TRUSTD01".utf8)
        return [0x3B] + body + [body.reduce(0, ^)]
    }()

    public init(
        port: Int, certificate: [UInt8], key: PrivateKey, pin: String = "123456", tries: Int = 3,
        faults: Faults = Faults()
    ) {
        self.port = port
        self.certificate = certificate
        self.key = key
        self.pin = pin
        self.triesLeft = tries
        self.faults = faults
    }

    /// Inserts the card: connects to vpcd (retrying while pcscd comes up) and serves on a thread of its own.
    public func insert() {
        let thread = Thread { [self] in serve() }
        thread.name = "virtual-card-\(port)"
        self.thread = thread
        thread.start()
    }

    /// Pulls the card out.
    public func remove() {
        lock.withLock {
            running = false
            if socket >= 0 {
                shutdown(socket, Int32(SHUT_RDWR))
                close(socket)
                socket = -1
            }
        }
        while let thread, !thread.isFinished { usleep(2000) }
    }

    public var receivedAPDUs: [String] { lock.withLock { log } }

    private func serve() {
        while lock.withLock({ running }) {
            let fd = Self.connect(port: port)
            guard fd >= 0 else {
                usleep(50_000)
                continue
            }
            lock.withLock { socket = fd }
            while lock.withLock({ running }) {
                var quick: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &quick, socklen_t(MemoryLayout<Int32>.size))
                guard let header = Self.read(fd, 2) else { break }
                let length = Int(header[0]) << 8 | Int(header[1])
                guard let message = Self.read(fd, length) else { break }
                if length == 1 {
                    if message[0] == 0x04 { _ = Self.write(fd, Self.atr) }
                    if message[0] == 0x00 || message[0] == 0x02 { resetState() }
                    continue
                }
                guard let answer = respond(to: message) else {  // the card is pulled out mid-flow
                    lock.withLock { running = false }
                    break
                }
                guard Self.write(fd, answer) else { break }
            }
            lock.withLock {
                if socket >= 0 {
                    close(socket)
                    socket = -1
                }
            }
            return
        }
    }

    private func resetState() {
        lock.withLock {
            verified = false
            applicationSelected = false
            fileSelected = false
            pending = []
        }
    }

    private func respond(to apdu: [UInt8]) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        apduCount += 1
        log.append(apdu.map { String(format: "%02X", $0) }.joined())
        if let at = faults.removeAtAPDU, apduCount >= at { return nil }
        guard apdu.count >= 4 else { return [0x67, 0x00] }
        let ins = apdu[1]
        let p1 = apdu[2]
        let p2 = apdu[3]
        let (data, le) = Self.parse(apdu)
        switch ins {
        case 0xA4 where p1 == 0x04:
            guard !faults.noApplication, data == [0xF0, 0x54, 0x52, 0x55, 0x53, 0x54, 0x44, 0x01] else {
                return [0x6A, 0x82]
            }
            applicationSelected = true
            return [0x90, 0x00]
        case 0xA4 where p1 == 0x00:
            guard applicationSelected, data == [0xC0, 0x00] else { return [0x6A, 0x82] }
            fileSelected = true
            return [0x62, 0x04, 0x80, 0x02, UInt8(certificate.count >> 8), UInt8(certificate.count & 0xff), 0x90, 0x00]
        case 0xB0:
            guard fileSelected else { return [0x69, 0x86] }
            let offset = Int(p1) << 8 | Int(p2)
            guard offset < certificate.count else { return [0x6B, 0x00] }
            let remaining = certificate.count - offset
            let wanted = le == 0 ? 256 : le ?? 256
            // Wrong Le: tell the exact length.
            if wanted > remaining, remaining < 256 { return [0x6C, UInt8(remaining)] }
            return Array(certificate[offset..<(offset + min(wanted, remaining))]) + [0x90, 0x00]
        case 0x20:
            guard p2 == 0x01 else { return [0x6A, 0x88] }
            guard triesLeft > 0 else { return [0x69, 0x83] }
            if String(decoding: data, as: UTF8.self) == pin {
                verified = true
                triesLeft = 3
                return [0x90, 0x00]
            }
            triesLeft -= 1
            verified = false
            return triesLeft == 0 ? [0x69, 0x83] : [0x63, 0xC0 | UInt8(triesLeft)]
        case 0x88:
            guard verified else { return [0x69, 0x82] }
            guard var signature = try? sign(data) else { return [0x6F, 0x00] }
            if faults.wrongSignature { signature[signature.count / 2] ^= 0x01 }
            pending = signature
            return [0x61, UInt8(min(signature.count, 256) & 0xff)]
        case 0xC0:
            guard !pending.isEmpty else { return [0x69, 0x85] }
            let count = min(le == 0 ? 256 : le ?? 256, pending.count)
            let part = Array(pending.prefix(count))
            pending.removeFirst(count)
            return part + (pending.isEmpty ? [0x90, 0x00] : [0x61, UInt8(min(pending.count, 256) & 0xff)])
        default:
            return [0x6D, 0x00]
        }
    }

    private func sign(_ data: [UInt8]) throws -> [UInt8] {
        switch key.type {
        case .sm2: return try ECDSASignature.rawFromDER(try key.sign(digest: data, algorithm: .sm2(id: .default)))
        case .p256: return try ECDSASignature.rawFromDER(try key.sign(digest: data, algorithm: .ecdsa(.sha256)))
        // DigestInfo(SHA-256, h): h is the tail.
        default: return try key.sign(digest: Array(data.suffix(32)), algorithm: .rsaPKCS1v15(.sha256))
        }
    }

    /// (data, Le) of a short or extended C-APDU.
    static func parse(_ apdu: [UInt8]) -> ([UInt8], Int?) {
        let body = Array(apdu.dropFirst(4))
        if body.isEmpty { return ([], nil) }
        if body.count == 1 { return ([], Int(body[0])) }
        if body[0] == 0 && body.count >= 3 {  // extended
            if body.count == 3 { return ([], Int(body[1]) << 8 | Int(body[2])) }
            let length = Int(body[1]) << 8 | Int(body[2])
            let data = Array(body[3..<min(body.count, 3 + length)])
            let rest = body.count - 3 - length
            return (data, rest == 2 ? Int(body[body.count - 2]) << 8 | Int(body[body.count - 1]) : nil)
        }
        let length = Int(body[0])
        let data = Array(body[1..<min(body.count, 1 + length)])
        return (data, body.count == length + 2 ? Int(body[body.count - 1]) : nil)
    }

    static func connect(port: Int) -> Int32 {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard ok == 0 else {
            close(fd)
            return -1
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    static func read(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = out.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            guard got > 0 else { return nil }
            done += got
        }
        return out
    }

    static func write(_ fd: Int32, _ body: [UInt8]) -> Bool {
        let framed = [UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
        return framed.withUnsafeBytes { send(fd, $0.baseAddress, framed.count, Int32(MSG_NOSIGNAL)) } == framed.count
    }
}

/// A private pcscd with the vpcd driver (platform-recipes §2.2): its own socket via a mount namespace (root), its own
/// config and ports; readers `Virtual PCD 00 00` (port) and `Virtual PCD 00 01` (port + 1). Clients find it through
/// `PCSCLITE_CSOCK_NAME` = ``socketPath``.
public final class PCSCDaemon: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let port: Int
    private let process: Process
    public var socketPath: String { directory.file("run/pcscd.comm") }
    public static let firstReader = "Virtual PCD 00 00"

    public init(port: Int) throws {
        directory = try TemporaryDirectory()
        self.port = port
        try FileManager.default.createDirectory(atPath: directory.file("run"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("conf"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/pcscd", withIntermediateDirectories: true)
        try directory.write(
            "conf/vpcd",
            """
            FRIENDLYNAME "Virtual PCD"
            DEVICENAME   /dev/null:\(port)
            LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
            CHANNELID    \(port)

            """)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Subprocess.which("unshare"))
        // pcscd ends with this stack (SIGTERM) or, if the test process dies first, within a second of it: the shell
        // watches its parent so no pcscd outlives the tests.
        let watched = getpid()
        process.arguments = [
            "-m", "--propagation", "private", "sh", "-c",
            """
            mount --bind '\(directory.file("run"))' /run/pcscd || exit 1
            /usr/sbin/pcscd --foreground --apdu -c '\(directory.file("conf"))' & p=$!
            trap 'kill -TERM $p; wait $p; exit 0' TERM INT
            while kill -0 \(watched) 2>/dev/null && kill -0 $p 2>/dev/null; do sleep 1 & wait $!; done
            kill -TERM $p 2>/dev/null; wait $p
            """,
        ]
        let log = FileHandle(forWritingAtPath: try directory.write("pcscd.log", ""))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socketPath) { usleep(25_000) }
        guard FileManager.default.fileExists(atPath: socketPath) else {
            stop()
            throw TestSupportError(
                "pcscd did not come up (needs root for its mount namespace): \(String(decoding: (try? directory.read("pcscd.log")) ?? [], as: UTF8.self))"
            )
        }
    }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<120 where process.isRunning { usleep(25_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A free-looking port pair for vpcd (pcscd listens on port and port + 1), below Linux's ephemeral range
    /// (32768–60999): a pair inside it can be taken by any outgoing connection of a suite running beside (one opens
    /// 2,000), and vpcd then never shows its reader.
    public static func freePort() -> Int { 20_000 + Int.random(in: 0..<6_000) * 2 }
}
