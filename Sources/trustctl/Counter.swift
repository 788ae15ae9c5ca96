import APIContract
import ArgumentParser
import CardReader
import Foundation
import TrustCrypto

extension TrustctlCommand {
    /// `trustctl counter …`: smart-card readers at a service counter.
    struct Counter: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "counter",
            abstract: "Smart-card readers at service counters (PC/SC).",
            subcommands: [Readers.self, Check.self, Watch.self]
        )
    }
}

extension TrustctlCommand.Counter {
    struct Readers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List PC/SC readers and whether a card is in each.",
            discussion: "Exits 69 when pcscd is not running. An empty list (no reader attached) is not an error."
        )

        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReportingErrors {
                let states = try PCSCContext().readerStates()
                if output.json { return try printJSON(states) }
                if states.isEmpty {
                    print("no smart-card readers attached")
                    return
                }
                printTable(
                    states.map { [$0.reader, $0.card.rawValue, $0.atrHex] },
                    header: ["READER", "CARD", "ATR"])
            }
        }
    }
}

extension TrustctlCommand.Counter {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a person's identity with their PKI smart card (as counter-operator): challenge, card, result.",
            discussion: """
                Asks trustd for a challenge, waits for a card in the reader, reads the holder certificate, asks for the PIN \
                (without echo, or --pin-file), has the card sign the challenge and sends the answer to trustd, which raises \
                a primary person to intermediate with counter-card evidence. Exit codes: 0 checked; 65 refused by trustd \
                (the reason is printed) or not a trustd card; 77 wrong or blocked PIN; 74 card removed; 75 no card in time; \
                69 pcscd not running or no reader; 4 challenge replayed or expired.
                """)

        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "Person id.") var person: String
        @Option(name: .long, help: "Reader name (default: the first reader with a card).") var reader: String?
        @Option(name: .long, help: "Read the PIN from this file (automation) instead of prompting.") var pinFile:
            String?
        @Option(name: .long, help: "Seconds to wait for a card.") var timeout: Double = 60
        @Option(name: .long, help: "Terminal name recorded with the evidence (default: the host name).") var terminal:
            String?

        func run() async throws {
            try await reportingErrors {
                let client = try server.client()
                let challenge = try await client.post(
                    CounterChallengeResponse.self, "/v1/counter/challenges", CounterChallengeRequest(personId: person))
                guard let nonce = Data(base64Encoded: challenge.challenge) else {
                    throw CallFailure(message: "trustd answered a malformed challenge", exitCode: TrustctlExit.failure)
                }
                step("challenge \(challenge.challengeId), valid until \(challenge.expiresAt)")
                var readerName = reader ?? "-"
                var atr = "-"
                let pinSource = pinFile
                let wait = timeout
                let wanted = reader
                let answer: (certificate: [UInt8], signature: [UInt8])
                do {
                    let context = try await CardReaderThread.run { try PCSCContext() }
                    step("waiting for a card\(wanted.map { " in \($0)" } ?? "")…")
                    let ready = try await CardReaderThread.waitForCard(in: context, reader: wanted, timeout: wait)
                    (readerName, atr) = (ready.reader, ready.atrHex)
                    step("card in \(ready.reader), ATR \(ready.atrHex)")
                    answer = try await CardReaderThread.run {
                        let connection = try CardConnection(context: context, reader: ready.reader)
                        return try connection.counterResponse(
                            challenge: Array(nonce),
                            pin: { certificate in
                                try readPIN(file: pinSource, holder: certificate.subject.description)
                            }, progress: { step($0) })
                    }
                } catch let error
                    where error is CardError || [.cardRemoved, .communication].contains((error as? PCSCError)?.code)
                {
                    // The card refused or went away: tell trustd, so the attempt is audited and the challenge spent.
                    _ = try? await client.post(
                        CounterCheckResponse.self, "/v1/counter/checks",
                        CounterCheckRequest(
                            challengeId: challenge.challengeId, certificate: nil, signature: nil, reader: readerName,
                            atr: atr,
                            terminal: terminal ?? ProcessInfo.processInfo.hostName, failure: "\(error)"))
                    throw error
                }
                let result = try await client.post(
                    CounterCheckResponse.self, "/v1/counter/checks",
                    CounterCheckRequest(
                        challengeId: challenge.challengeId, certificate: Data(answer.certificate).base64EncodedString(),
                        signature: Data(answer.signature).base64EncodedString(), reader: readerName, atr: atr,
                        terminal: terminal ?? ProcessInfo.processInfo.hostName))
                if output.json { return try printJSON(result) }
                print(
                    "checked: person \(result.personId) is \(result.level) (evidence \(result.evidenceId), card \(result.certificateSubject))"
                )
            }
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print card insert and remove events until interrupted (or --events N).",
            discussion: "Exits 69 when pcscd is not running or no reader is attached.")

        @Option(name: .long, help: "Only this reader.") var reader: String?
        @Option(name: .long, help: "Stop after this many events.") var events: Int?
        @Option(name: .long, help: "Stop after this many seconds.") var timeout: Double?

        func run() async throws {
            try await reportingErrors {
                let context = try await CardReaderThread.run { try PCSCContext() }
                var states = try await CardReaderThread.run { try context.readerStates() }.filter {
                    reader == nil || $0.reader == reader
                }
                guard !states.isEmpty else {
                    throw reader.map { PCSCError(.unknownReader, "no reader named \($0)") }
                        ?? PCSCError(.noReader, "no smart-card reader is attached")
                }
                for state in states {
                    print(
                        "\(timestamp()) \(state.reader): \(state.card.rawValue)\(state.atr.isEmpty ? "" : " ATR \(state.atrHex)")"
                    )
                }
                fflush(nil)  // line by line, also into a pipe
                var seen = 0
                let deadline = timeout.map { Date().addingTimeInterval($0) }
                while events.map({ seen < $0 }) ?? true {
                    let left = deadline.map { $0.timeIntervalSinceNow } ?? 3600
                    if left <= 0 { break }
                    let known = states
                    let next: [ReaderState]
                    do {
                        next = try await CardReaderThread.run {
                            try context.waitForChange(from: known, timeout: min(left, 3600))
                        }
                    } catch let error as PCSCError where error.code == .timeout {
                        continue
                    }
                    for (old, new) in zip(states, next) where (old.card == .empty) != (new.card == .empty) {
                        seen += 1
                        print(
                            "\(timestamp()) \(new.reader): \(new.card == .empty ? "removed" : "inserted")\(new.atr.isEmpty ? "" : " ATR \(new.atrHex)")"
                        )
                    }
                    states = next
                    fflush(nil)
                }
            }
        }

        func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }
    }
}

/// Progress lines go to stderr so `--json` output stays clean.
func step(_ text: String) { FileHandle.standardError.write(Data("  \(text)\n".utf8)) }

/// The PIN from a file (first line), or typed at the terminal without echo.
func readPIN(file: String?, holder: String) throws -> String {
    if let file {
        let text = String(decoding: try readFile(file), as: UTF8.self)
        return String(text.split(whereSeparator: \.isNewline).first ?? "")
    }
    FileHandle.standardError.write(Data("PIN for \(holder): ".utf8))
    var saved = termios()
    let isTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
    if isTerminal {
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
    }
    defer {
        if isTerminal { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        FileHandle.standardError.write(Data("\n".utf8))
    }
    return readLine(strippingNewline: true) ?? ""
}
