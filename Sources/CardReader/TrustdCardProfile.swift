import Foundation
import TrustCrypto

/// A card's answer the profile turns into something an operator can act on.
public struct CardError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case notATrustdCard = "not_a_trustd_card"
        case wrongPIN = "wrong_pin"
        case pinBlocked = "pin_blocked"
        case pinNotVerified = "pin_not_verified"
        case badCertificate = "bad_certificate"
        case unexpectedStatus = "unexpected_status"
    }

    public let kind: Kind
    /// For `wrongPIN`: tries left.
    public let triesLeft: Int?
    public let message: String

    public init(_ kind: Kind, triesLeft: Int? = nil, _ message: String) {
        self.kind = kind
        self.triesLeft = triesLeft
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// trustd card profile 1 (`../shared/specs/card-profile.md`): application `F0 'TRUSTD' 01`, holder certificate in
/// EF C000, PIN reference 1, INTERNAL AUTHENTICATE over a digest prepared per key type.
public struct TrustdCardProfile: Sendable {
    public static let aid: [UInt8] = [0xF0, 0x54, 0x52, 0x55, 0x53, 0x54, 0x44, 0x01]
    public static let certificateFile: [UInt8] = [0xC0, 0x00]
    static let maxCertificateSize = 16 * 1024

    let connection: CardConnection

    public init(_ connection: CardConnection) { self.connection = connection }

    public func selectApplication() throws {
        let answer = try connection.transmit(CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x00, data: Self.aid))
        if answer.status == 0x6A82 {
            throw CardError(.notATrustdCard, "the card has no trustd application (6A82): not a trustd card")
        }
        try expectSuccess(answer, "SELECT application")
    }

    /// Selects EF C000 and reads it whole: the size from the FCP (tag 80) when given, else until the card says the end.
    public func readCertificate() throws -> [UInt8] {
        let selected = try connection.transmit(CommandAPDU(ins: 0xA4, p1: 0x00, p2: 0x00, data: Self.certificateFile))
        try expectSuccess(selected, "SELECT certificate file")
        var size = Self.fcpSize(selected.data)
        var out: [UInt8] = []
        while out.count < (size ?? Self.maxCertificateSize) {
            let wanted = min(0xE0, (size ?? Self.maxCertificateSize) - out.count)
            let answer = try connection.transmit(
                CommandAPDU(ins: 0xB0, p1: UInt8(out.count >> 8), p2: UInt8(out.count & 0xff), le: wanted))
            // End of file.
            if answer.status == 0x6B00 || answer.status == 0x6282 || (answer.isSuccess && answer.data.isEmpty) { break }
            try expectSuccess(answer, "READ BINARY at \(out.count)")
            out += answer.data
            if size == nil, let total = Self.derLength(out) { size = total }
        }
        guard !out.isEmpty, out.count <= Self.maxCertificateSize else {
            throw CardError(.badCertificate, "EF C000 is empty or too large")
        }
        if let total = Self.derLength(out), total < out.count { out = Array(out.prefix(total)) }
        return out
    }

    /// `VERIFY` with the PIN as ASCII digits (6–12). Wrong PIN → `.wrongPIN` with tries left; `69 83` → `.pinBlocked`.
    public func verifyPIN(_ pin: String) throws {
        guard (6...12).contains(pin.count), pin.allSatisfy(\.isASCII), pin.allSatisfy(\.isNumber) else {
            throw CardError(.wrongPIN, "a PIN is 6 to 12 digits")
        }
        let answer = try connection.transmit(CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x01, data: Array(pin.utf8)))
        if answer.sw1 == 0x63, answer.sw2 & 0xF0 == 0xC0 {
            let left = Int(answer.sw2 & 0x0F)
            throw CardError(.wrongPIN, triesLeft: left, "wrong PIN, \(left) tr\(left == 1 ? "y" : "ies") left")
        }
        if answer.status == 0x6983 { throw CardError(.pinBlocked, "the PIN is blocked (6983)") }
        try expectSuccess(answer, "VERIFY PIN")
    }

    /// `INTERNAL AUTHENTICATE` over `challenge` with the key of `certificate`: SM2 signs `e = SM3(Z_A ‖ msg)` (default ID),
    /// RSA signs `DigestInfo(SHA-256(msg))`, P-256 signs `SHA-256(msg)`; SM2 and P-256 answer raw `r ‖ s`.
    public func internalAuthenticate(challenge: [UInt8], certificate: Certificate) throws -> [UInt8] {
        let key = try certificate.publicKey
        let data: [UInt8]
        switch key.type {
        case .sm2: data = try key.sm2SignedDigest(of: challenge)
        case .p256: data = Digest.hash(.sha256, challenge)
        default: data = try DigestInfo.encode(.sha256, digest: Digest.hash(.sha256, challenge))
        }
        let answer = try connection.transmit(CommandAPDU(ins: 0x88, p1: 0x00, p2: 0x00, data: data, le: 0))
        if answer.status == 0x6982 { throw CardError(.pinNotVerified, "the card wants the PIN first (6982)") }
        try expectSuccess(answer, "INTERNAL AUTHENTICATE")
        return answer.data
    }

    private func expectSuccess(_ answer: ResponseAPDU, _ step: String) throws {
        guard answer.isSuccess else {
            throw CardError(.unexpectedStatus, "\(step): the card answered \(answer.statusHex)")
        }
    }

    /// The file size in an FCP template (`62 L … 80 02 HH LL …`), if present.
    static func fcpSize(_ fcp: [UInt8]) -> Int? {
        guard fcp.count >= 2, fcp[0] == 0x62 else { return nil }
        var index = 2
        while index + 1 < fcp.count {
            let tag = fcp[index]
            let length = Int(fcp[index + 1])
            guard index + 2 + length <= fcp.count else { return nil }
            if tag == 0x80 || tag == 0x81 {
                return fcp[(index + 2)..<(index + 2 + length)].reduce(0) { $0 << 8 | Int($1) }
            }
            index += 2 + length
        }
        return nil
    }

    /// Total length of the DER element starting `bytes`, once its header is complete.
    static func derLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        let first = Int(bytes[1])
        if first < 0x80 { return 2 + first }
        let count = first & 0x7F
        guard count > 0, count <= 3, bytes.count >= 2 + count else { return nil }
        return 2 + count + bytes[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
    }
}

extension CardConnection {
    /// The whole counter flow on the card, in one transaction: select, read the certificate, verify the PIN, sign the
    /// challenge. `pin` is asked for only after the certificate was read (so the terminal can show whose card it is).
    public func counterResponse(
        challenge: [UInt8], pin: (Certificate) throws -> String,
        progress: (String) -> Void = { _ in }
    ) throws -> (certificate: [UInt8], signature: [UInt8]) {
        try transaction {
            let card = TrustdCardProfile(self)
            try card.selectApplication()
            progress("application selected")
            let der = try card.readCertificate()
            let certificate: Certificate
            do { certificate = try Certificate(der: der) } catch {
                throw CardError(.badCertificate, "EF C000 does not hold a certificate: \(error)")
            }
            progress("certificate read: \(certificate.subject)")
            try card.verifyPIN(try pin(certificate))
            progress("PIN verified")
            let signature = try card.internalAuthenticate(challenge: challenge, certificate: certificate)
            progress("challenge signed (\(signature.count) bytes)")
            return (der, signature)
        }
    }
}
