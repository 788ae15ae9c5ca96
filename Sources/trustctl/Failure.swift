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
        let code = [.serviceNotAvailable, .noReader].contains(error.code) ? TrustctlExit.unavailable : TrustctlExit.failure
        throw fail(error.description, code: code)
    } catch let error as CryptoError {
        throw fail(error.description, code: TrustctlExit.dataError)
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

func fail(_ message: String, code: Int32) -> ExitCode {
    FileHandle.standardError.write(Data("trustctl: \(message)\n".utf8))
    return ExitCode(code)
}
