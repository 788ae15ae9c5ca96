import Foundation
import TrustModel
import Yams

/// Loads `policies/assurance.yaml`; every problem names the file, the line and the field.
///
/// ```yaml
/// advancedFreshnessMinutes: 15
/// evidenceLifetimeDays: { sms-otp: 365, population-registry: 1095 }
/// actions:
///   seal.apply: { person: intermediate, organization: primary, authorization: true }
///   sign.with-seal: { person: grant }
/// ```
public enum AssurancePolicyLoader {
    public static func load(_ path: String) throws -> AssurancePolicy {
        let reader = YAMLReader(path: path)
        let (root, map) = try reader.loadMapping(field: "assurance")
        try reader.onlyKnown(map, ["advancedFreshnessMinutes", "evidenceLifetimeDays", "actions"], in: "assurance")
        var policy = AssurancePolicy()
        if map["advancedFreshnessMinutes"] != nil {
            let minutes = try reader.int(map, "advancedFreshnessMinutes", root)
            guard (1...1440).contains(minutes) else {
                throw reader.fail(map["advancedFreshnessMinutes"]!, "advancedFreshnessMinutes", "must be 1 to 1440")
            }
            policy.advancedFreshness = TimeInterval(minutes * 60)
        }
        if let node = map["evidenceLifetimeDays"] {
            guard let lifetimes = node.mapping else {
                throw reader.fail(node, "evidenceLifetimeDays", "must be a mapping")
            }
            for (key, value) in lifetimes {
                let name = key.string ?? "?"
                guard let method = VerificationMethod(rawValue: name), method != .liveCheck else {
                    throw reader.fail(
                        key, "evidenceLifetimeDays",
                        "unknown method '\(name)' (\(VerificationMethod.allCases.filter { $0 != .liveCheck }.map(\.rawValue).joined(separator: ", ")); live-check uses advancedFreshnessMinutes)"
                    )
                }
                guard let days = value.int, (1...36500).contains(days) else {
                    throw reader.fail(value, "evidenceLifetimeDays.\(name)", "must be a number of days, 1 to 36500")
                }
                policy.evidenceLifetime[method] = TimeInterval(days) * 86400
            }
        }
        guard let actionsNode = map["actions"], let actions = actionsNode.mapping else {
            throw reader.fail(map["actions"] ?? root, "actions", "required: a mapping of action names to requirements")
        }
        for (key, value) in actions {
            let name = key.string ?? "?"
            guard let action = PolicyAction(rawValue: name) else {
                throw reader.fail(
                    key, "actions",
                    "'\(name)' is not an action trustd checks (\(PolicyAction.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            guard let fields = value.mapping else { throw reader.fail(value, "actions.\(name)", "must be a mapping") }
            try reader.onlyKnown(fields, ["person", "organization", "authorization"], in: "actions.\(name)")
            var requirement = AssurancePolicy.Requirement()
            if let node = fields["person"] {
                if node.string == "grant" {
                    requirement.personFromGrant = true
                } else {
                    requirement.person = try level(node, reader, "actions.\(name).person", allowGrant: true)
                }
            }
            if let node = fields["organization"] {
                requirement.organization = try level(node, reader, "actions.\(name).organization", allowGrant: false)
            }
            if let node = fields["authorization"] {
                guard let flag = node.bool else {
                    throw reader.fail(node, "actions.\(name).authorization", "must be true or false")
                }
                guard !flag || requirement.organization != nil else {
                    throw reader.fail(node, "actions.\(name).authorization", "needs an organization level too")
                }
                requirement.authorization = flag
            }
            policy.actions[action] = requirement
        }
        for missing in PolicyAction.allCases where policy.actions[missing] == nil {
            throw reader.fail(
                actionsNode, "actions", "no rule for \(missing.rawValue): every action trustd checks needs one")
        }
        return policy
    }

    private static func level(_ node: Node, _ reader: YAMLReader, _ field: String, allowGrant: Bool) throws
        -> AssuranceLevel
    {
        guard let text = node.string, let level = AssuranceLevel(rawValue: text) else {
            throw reader.fail(
                node, field, "must be anonymous, primary, intermediate or advanced\(allowGrant ? " (or grant)" : "")")
        }
        return level
    }
}
