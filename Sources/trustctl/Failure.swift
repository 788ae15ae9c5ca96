import ArgumentParser
import CardReader
import Foundation
import KeyCustody
import TrustCrypto

/// Exit codes scripts can rely on (sysexits.h values); documented in `trustctl --help` and the README.
enum TrustctlExit {
    static let failure: Int32 = 1
    static let notFound: Int32 = 3
    static let conflict: Int32 = 4
    static let dataError: Int32 = 65
    static let unavailable: Int32 = 69
    /// An output file would replace one the user did not name (EX_CANTCREAT).
    static let cannotCreate: Int32 = 73
    static let ioError: Int32 = 74
    /// `trustctl verify`: the report is INDETERMINATE (EX_TEMPFAIL: more information or a later try may decide it).
    static let indeterminate: Int32 = 75
    static let permission: Int32 = 77
}

/// Runs a command body, printing errors as one line on stderr and exiting with a documented code.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as KeyCustodyError {
        throw fail(error.description, code: exitCode(error.code))
    } catch let error as PCSCError {
        throw fail(error.description, code: exitCode(error))
    } catch let error as CryptoError {
        throw fail(error.description, code: TrustctlExit.dataError)
    }
}

/// PC/SC: no service or reader 69, no card in time 75, card removed or unresponsive 74, anything else 1.
func exitCode(_ error: PCSCError) -> Int32 {
    switch error.code {
    case .serviceNotAvailable, .noReader, .unknownReader: TrustctlExit.unavailable
    case .timeout: TrustctlExit.indeterminate
    case .cardRemoved, .communication, .noCard: TrustctlExit.ioError
    default: TrustctlExit.failure
    }
}

/// Card answers: wrong or blocked PIN 77, not a trustd card or a bad certificate 65, anything else 1.
func exitCode(_ error: CardError) -> Int32 {
    switch error.kind {
    case .wrongPIN, .pinBlocked, .pinNotVerified: TrustctlExit.permission
    case .notATrustdCard, .badCertificate: TrustctlExit.dataError
    default: TrustctlExit.failure
    }
}

/// The async form for commands that call trustd: server errors map to exit codes by HTTP status.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CallFailure {
        throw fail(error.message, code: error.exitCode)
    } catch let error as PCSCError {
        throw fail(error.description, code: exitCode(error))
    } catch let error as CardError {
        throw fail(error.description, code: exitCode(error))
    } catch let error as CryptoError {
        throw fail(error.description, code: TrustctlExit.dataError)
    }
}

private func exitCode(_ code: KeyCustodyError.Code) -> Int32 {
    switch code {
    case .wrongKEK, .wrongPIN, .pinLocked, .insecurePermissions, .secretUnavailable: TrustctlExit.permission
    case .moduleUnavailable, .tokenNotFound, .mechanismNotSupported: TrustctlExit.unavailable
    case .invalidConfiguration, .invalidRequest, .tamperedKey: TrustctlExit.dataError
    case .storageFailure: TrustctlExit.ioError
    default: TrustctlExit.failure
    }
}

/// A line for people on stderr, so stdout carries only what scripts capture.
func note(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}

func fail(_ message: String, code: Int32) -> ExitCode {
    FileHandle.standardError.write(Data("trustctl: \(message)\n".utf8))
    return ExitCode(code)
}
