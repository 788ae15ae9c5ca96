import Foundation

/// A plain TCP client socket for tests that need what an HTTP library hides: connections that send half a request
/// or nothing at all, many of them at once, or keep-alive requests without a client library's overhead.
public final class RawSocket: @unchecked Sendable {
    public let fd: Int32

    /// Connects to `host:port` (IPv4), giving up after `timeout` seconds.
    public init(host: String = "127.0.0.1", port: Int, timeout: TimeInterval = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if started != 0 && errno != EINPROGRESS {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestSupportError("connect: \(reason)")
        }
        var pending = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&pending, 1, Int32(timeout * 1000)) == 1 else {
            close(fd)
            throw TestSupportError("connect to \(host):\(port) timed out")
        }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else {
            close(fd)
            throw TestSupportError("connect: \(String(cString: strerror(error)))")
        }
        _ = fcntl(fd, F_SETFL, flags)
    }

    deinit { close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestSupportError("send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    /// `true` once the peer has closed (or reset) the connection; waits at most `timeout` seconds for it.
    public func isClosedByPeer(within timeout: TimeInterval = 0) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) == 1 else { return false }
        var byte: UInt8 = 0
        let received = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return received == 0 || (received < 0 && errno == ECONNRESET)
    }

    /// Sends one HTTP/1.1 request on this (keep-alive) connection and reads the response.
    public func request(
        _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = [],
        timeout: TimeInterval = 10
    ) throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
        return try readResponse(timeout: timeout)
    }

    private var buffer: [UInt8] = []

    private func fill(deadline: Date) throws {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let wait = max(0, deadline.timeIntervalSinceNow)
        guard poll(&entry, 1, Int32(wait * 1000)) == 1 else { throw TestSupportError("no response in time") }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw TestSupportError("connection closed while reading the response") }
        buffer += chunk[0..<count]
    }

    private func readResponse(timeout: TimeInterval) throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        let deadline = Date().addingTimeInterval(timeout)
        let separator: [UInt8] = [13, 10, 13, 10]
        var end: Int? = nil
        while end == nil {
            if let found = buffer.indices.dropLast(3).first(where: { Array(buffer[$0..<$0 + 4]) == separator }) {
                end = found
            } else {
                try fill(deadline: deadline)
            }
        }
        let lines = String(decoding: buffer[0..<end!], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        buffer.removeFirst(end! + 4)
        while buffer.count < length { try fill(deadline: deadline) }
        let body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return (status, headers, body)
    }
}

/// A listening TCP socket on 127.0.0.1 that never accepts (to hold a port).
public final class RawSocketListener: @unchecked Sendable {
    public let fd: Int32
    public let port: Int

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            throw TestSupportError("cannot listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

/// Resident memory of a process in bytes (from /proc).
public func residentBytes(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    else { return nil }
    return kilobytes * 1024
}
