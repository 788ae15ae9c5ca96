import APIContract
import Hummingbird
import TrustModel

// The hot paths' two answers, written directly in one string: JSONEncoder cost 2 % of a signature's CPU and 5 % of a
// verification's, and building each object from sorted, joined member strings cost 2 % more. The same bytes as
// `json(_:)` writes (keys sorted, slashes not escaped, absent optionals left out); `DirectJSONAnswerTests` compares
// them.

/// `/v1/sign`'s answer.
func json(_ value: SignResponse) -> Response {
    text(jsonText(value), contentType: "application/json")
}

func jsonText(_ value: SignResponse) -> String {
    var object = JSONObjectText(capacity: value.signature.utf8.count + value.certificate.utf8.count + 64)
    object.add("certificate", value.certificate)
    object.add("format", value.format)
    object.add("signature", value.signature)
    return object.closed()
}

/// `/v1/verify`'s report for one signature.
func json(_ value: ValidationReportView) -> Response {
    text(jsonText(value), contentType: "application/json")
}

func jsonText(_ report: ValidationReportView) -> String {
    var object = JSONObjectText(capacity: 256 + 128 * report.checks.count)
    var checks = "["
    for (index, check) in report.checks.enumerated() {
        if index > 0 { checks += "," }
        checks += jsonText(check)
    }
    checks += "]"
    object.add("checks", encoded: checks)
    object.add("format", report.format)
    object.add("indication", report.indication)
    if let seal = report.seal {
        var sealObject = JSONObjectText()
        sealObject.add("esId", seal.esId)
        sealObject.add("name", seal.name)
        object.add("seal", encoded: sealObject.closed())
    }
    object.add("signer", report.signer)
    object.add("signingTime", report.signingTime)
    object.add("subIndication", report.subIndication)
    object.add("timeSource", report.timeSource)
    object.add("valid", encoded: report.valid ? "true" : "false")
    return object.closed()
}

private func jsonText(_ check: ValidationCheckView) -> String {
    var object = JSONObjectText()
    object.add("detail", check.detail)
    object.add("name", check.name)
    object.add("status", check.status)
    object.add("subIndication", check.subIndication)
    return object.closed()
}

/// A JSON object written member by member. Keys are plain ASCII and must come in JSONEncoder's sorted order (byte
/// order of their UTF-8); debug builds check it.
struct JSONObjectText {
    private var text = "{"
    private var lastKey: StaticString? = nil

    init(capacity: Int = 128) {
        text.reserveCapacity(capacity)
    }

    /// A member whose value is already JSON.
    mutating func add(_ key: StaticString, encoded value: String) {
        if let lastKey {
            assert(Self.precedes(lastKey, key), "JSON keys out of order: \(lastKey) before \(key)")
            text += ","
        }
        lastKey = key
        text += "\""
        text += key.description
        text += "\":"
        text += value
    }

    /// A string member, left out when absent.
    mutating func add(_ key: StaticString, _ value: String?) {
        if let value { add(key, encoded: JSONText.quote(value)) }
    }

    func closed() -> String { text + "}" }

    private static func precedes(_ first: StaticString, _ second: StaticString) -> Bool {
        first.withUTF8Buffer { a in second.withUTF8Buffer { b in a.lexicographicallyPrecedes(b) } }
    }
}
