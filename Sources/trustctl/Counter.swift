import ArgumentParser
import CardReader
import Foundation

extension TrustctlCommand {
    /// `trustctl counter …`: smart-card readers at a service counter.
    struct Counter: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "counter",
            abstract: "Smart-card readers at service counters (PC/SC).",
            subcommands: [Readers.self]
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
                printTable(states.map { [$0.reader, $0.card.rawValue, $0.atrHex] },
                           header: ["READER", "CARD", "ATR"])
            }
        }
    }
}
