import CardReader
import Foundation
import TestSupport
import Testing
import TrustCrypto

/// One real pcscd with the vpcd driver for this test process (pcsc-lite reads `PCSCLITE_CSOCK_NAME` once per process),
/// and the test-owned virtual card on its first reader.
enum SharedPCSC {
    static let daemon: Result<PCSCDaemon, any Error> = {
        do {
            let daemon = try PCSCDaemon(port: PCSCDaemon.freePort())
            setenv("PCSCLITE_CSOCK_NAME", daemon.socketPath, 1)
            return .success(daemon)
        } catch {
            return .failure(error)
        }
    }()

    static func card(_ type: KeyType, pin: String = "123456", faults: VirtualCard.Faults = .init()) throws -> (
        VirtualCard, Certificate, TestPKI
    ) {
        let daemon = try daemon.get()
        let pki = try TestPKI(type, name: "Card issuer")
        let key = try PrivateKey.generate(type)
        let certificate = try pki.leaf(
            key, subject: DistinguishedName(["C": "CN", "CN": "张三", "serialNumber": "110101199003071233"]))
        return (
            VirtualCard(port: daemon.port, certificate: certificate.der, key: key, pin: pin, faults: faults),
            certificate, pki
        )
    }

    /// Pulls the card out and waits until pcscd has noticed (vpcd polls every 400 ms), so the next test starts empty.
    static func eject(_ card: VirtualCard) {
        card.remove()
        guard let context = try? PCSCContext() else { return }
        for _ in 0..<100 {
            if (try? context.readerStates())?.first(where: { $0.reader == PCSCDaemon.firstReader })?.card == .empty {
                return
            }
            usleep(50_000)
        }
    }

    /// Waits until pcscd reports the card present (vpcd polls every 400 ms).
    static func connect(_ context: PCSCContext) async throws -> CardConnection {
        let ready = try await CardReaderThread.waitForCard(in: context, reader: PCSCDaemon.firstReader, timeout: 30)
        return try CardConnection(context: context, reader: ready.reader)
    }
}

@Suite(.serialized) struct CardFlowTests {
    let challenge = SecureRandom.bytes(32) + Array("trustd counter check test".utf8)

    @Test(arguments: [KeyType.sm2, .rsa2048, .p256])
    func theCardProfileSignsTheChallengeThroughARealPcscd(type: KeyType) async throws {
        let (card, certificate, _) = try SharedPCSC.card(type)
        card.insert()
        defer { SharedPCSC.eject(card) }
        let context = try PCSCContext()
        let states = try context.readerStates()
        #expect(states.map(\.reader).contains(PCSCDaemon.firstReader))
        let connection = try await SharedPCSC.connect(context)
        #expect(try connection.atr() == VirtualCard.atr)
        let answer = try connection.counterResponse(
            challenge: challenge,
            pin: { holder in
                #expect(holder.subject.description.contains("110101199003071233"))
                return "123456"
            })
        #expect(answer.certificate == certificate.der)
        let algorithm: SignatureAlgorithm =
            type == .sm2 ? .sm2(id: .default) : type == .p256 ? .ecdsa(.sha256) : .rsaPKCS1v15(.sha256)
        #expect(try certificate.publicKey.isValidSignature(answer.signature, for: challenge, algorithm: algorithm))
        // INTERNAL AUTHENTICATE answered 61xx and the signature came by GET RESPONSE.
        #expect(card.receivedAPDUs.contains { $0.hasPrefix("00C00000") })

        // Wrong Le: the card answers 6Cxx and transmit resends with the exact length; extended Le passes through.
        let tail = try connection.transaction {
            _ = try connection.transmit(CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x00, data: TrustdCardProfile.aid))
            _ = try connection.transmit(
                CommandAPDU(ins: 0xA4, p1: 0x00, p2: 0x00, data: TrustdCardProfile.certificateFile))
            let offset = certificate.der.count - 10
            return try connection.transmit(
                CommandAPDU(ins: 0xB0, p1: UInt8(offset >> 8), p2: UInt8(offset & 0xff), le: 200))
        }
        #expect(tail.isSuccess && tail.data == Array(certificate.der.suffix(10)))
        #expect(
            card.receivedAPDUs.filter { $0.hasPrefix("00B0") }.suffix(2).last?.hasSuffix("0A") == true,
            "resent with Le = 0A")
        let whole = try connection.transaction {
            try connection.transmit(CommandAPDU(ins: 0xB0, p1: 0, p2: 0, le: 1000))
        }
        #expect(whole.data == certificate.der, "extended Le")
    }

    @Test func wrongPINsCountDownAndThenBlock() async throws {
        let (card, _, _) = try SharedPCSC.card(.sm2, pin: "246810")
        card.insert()
        defer { SharedPCSC.eject(card) }
        let connection = try await SharedPCSC.connect(try PCSCContext())
        for left in [2, 1] {
            #expect { _ = try connection.counterResponse(challenge: challenge, pin: { _ in "111111" }) } throws: {
                ($0 as? CardError)?.kind == .wrongPIN && ($0 as? CardError)?.triesLeft == left
                    && "\($0)".contains("\(left) tr")
            }
        }
        #expect { _ = try connection.counterResponse(challenge: challenge, pin: { _ in "111111" }) } throws: {
            ($0 as? CardError)?.kind == .pinBlocked
        }
        #expect { _ = try connection.counterResponse(challenge: challenge, pin: { _ in "246810" }) } throws: {
            ($0 as? CardError)?.kind == .pinBlocked
        }
    }

    @Test func aCardWithoutTheApplicationAndACardPulledOutAreNamed() async throws {
        let (foreign, _, _) = try SharedPCSC.card(.sm2, faults: .init(noApplication: true))
        foreign.insert()
        let context = try PCSCContext()
        let connection = try await SharedPCSC.connect(context)
        #expect { _ = try connection.counterResponse(challenge: challenge, pin: { _ in "123456" }) } throws: {
            ($0 as? CardError)?.kind == .notATrustdCard
        }
        SharedPCSC.eject(foreign)

        // Pulled out at the 4th APDU (during READ BINARY).
        let (pulled, _, _) = try SharedPCSC.card(.sm2, faults: .init(removeAtAPDU: 4))
        pulled.insert()
        defer { SharedPCSC.eject(pulled) }
        let second = try await SharedPCSC.connect(context)
        #expect { _ = try second.counterResponse(challenge: challenge, pin: { _ in "123456" }) } throws: { error in
            guard let error = error as? PCSCError else { return false }
            return [.cardRemoved, .communication, .noCard].contains(error.code)
        }
    }

    @Test func waitingForACardTimesOutAndCanBeCancelled() async throws {
        _ = try SharedPCSC.daemon.get()
        let context = try PCSCContext()
        let started = Date()
        await #expect {
            _ = try await CardReaderThread.waitForCard(in: context, reader: PCSCDaemon.firstReader, timeout: 1)
        } throws: {
            ($0 as? PCSCError)?.code == .timeout
        }
        // The 1 s timeout ends the wait: well under the 30 s wait below. Not tighter, because pcscd answers late when
        // the release suite's fuzz and daemon tests hold both cores (a fresh-clone CI run measured 9.1 s).
        #expect(Date().timeIntervalSince(started) < 15)
        let waiting = Task {
            try await CardReaderThread.waitForCard(in: try PCSCContext(), reader: PCSCDaemon.firstReader, timeout: 30)
        }
        try await Task.sleep(for: .milliseconds(300))
        waiting.cancel()
        await #expect { _ = try await waiting.value } throws: { ($0 as? PCSCError)?.code == .cancelled }
        await #expect {
            _ = try await CardReaderThread.waitForCard(in: context, reader: "No Such Reader", timeout: 1)
        } throws: {
            ($0 as? PCSCError)?.code == .unknownReader
        }
    }

    @Test func aWaitSeesTheCardLeaveAndArrive() async throws {
        let (card, _, _) = try SharedPCSC.card(.p256)
        card.insert()
        let context = try PCSCContext()
        _ = try await SharedPCSC.connect(context)
        let before = try context.readerStates().filter { $0.reader == PCSCDaemon.firstReader }
        #expect(before.first?.card == .present)
        let started = Date()
        // The removal, not the 30 s timeout, ends the wait (pcscd notices late when the suite holds both cores: 8.7 s
        // was measured, so the bound sits well between that and the timeout).
        let waiting = Task { try await CardReaderThread.run { try context.waitForChange(from: before, timeout: 30) } }
        try await Task.sleep(for: .milliseconds(300))
        card.remove()
        let after = try await waiting.value
        #expect(after.first?.card == .empty && Date().timeIntervalSince(started) < 20, "\(after)")
    }
}
