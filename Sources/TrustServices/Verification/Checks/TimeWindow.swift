import Foundation
import TrustModel

/// Whether something with a validity window (a certificate, a seal) was valid when the signature was made, as
/// EN 319 102-1 pairs the answers: with a proof of existence (a timestamp) outside the window is TOTAL_FAILED
/// (EXPIRED, NOT_YET_VALID); with only the signer's claim — or an expiry since, with no proof the signature existed
/// before it — the answer is INDETERMINATE/OUT_OF_BOUNDS_NO_POE.
enum TimeWindow {
    static func judge(
        _ name: CheckName, _ what: String, from start: Date, to end: Date, at time: SigningTime, now: Date
    ) -> ValidationReport.Check {
        let window = "\(iso(start)) – \(iso(end))"
        if time.proven {
            if time.date < start {
                return .problem(
                    name, "\(what) was not yet valid at the time-stamped signing time \(iso(time.date)) (\(window))",
                    .notYetValid)
            }
            if time.date > end {
                return .problem(
                    name, "\(what) had expired at the time-stamped signing time \(iso(time.date)) (\(window))", .expired
                )
            }
            return .passed(name, "\(what) was valid at the time-stamped signing time (\(window))")
        }
        let when =
            time.source == .claimed
            ? "the claimed signing time \(iso(time.date))" : "the validation time \(iso(time.date))"
        if time.date < start || time.date > end {
            return .problem(
                name, "\(what) is not valid at \(when) (\(window)); no timestamp proves when the signature was made",
                .outOfBoundsNoPOE)
        }
        if now > end {
            return .problem(
                name, "\(what) expired at \(iso(end)); no timestamp proves the signature existed before that",
                .outOfBoundsNoPOE)
        }
        return .passed(name, "\(what) is valid at \(when) (\(window))")
    }
}
