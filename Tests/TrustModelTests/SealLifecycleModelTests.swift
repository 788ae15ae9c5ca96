import Testing
import TrustModel

/// The seal state machine alone (GB/T 38540 registry practice), without a store.
@Suite struct SealLifecycleModelTests {
    @Test func theHappyPathAndItsSideRoads() {
        var state = SealState.applied
        for (step, expected) in [
            (SealStep.approve, SealState.approved), (.make, .made), (.file, .filed), (.grant, .active),
            (.withdraw, .active),
            (.reportLoss, .suspended), (.recover, .active), (.revoke, .revoked), (.destroy, .destroyed),
        ] {
            let next = SealLifecycle.next(state, step)
            #expect(next == expected, "\(step) from \(state)")
            state = next ?? state
        }
        #expect(SealLifecycle.next(.applied, .reject) == .rejected)
    }

    @Test func terminalStatesGoNowhereAndOnlyActiveSeals() {
        for state in SealState.allCases where state.isTerminal {
            #expect(SealLifecycle.allowed(from: state).isEmpty, "\(state) is terminal")
        }
        #expect(SealState.allCases.filter(\.canSign) == [.active])
        #expect(SealLifecycle.next(.revoked, .recover) == nil, "revocation is final")
        #expect(SealLifecycle.next(.applied, .make) == nil, "nothing is made before review")
        #expect(SealLifecycle.next(.made, .grant) == nil, "nothing is granted before filing")
    }

    @Test func everyStepHasOnePermissionAndNoRoleHoldsTwoDutiesOfTheChain() {
        // Separation of duties in the role table: applying, reviewing, making and filing are four different roles.
        let duties: [Permission] = [.sealApply, .sealReview, .sealMake, .sealFile]
        for role in Role.allCases {
            let held = duties.filter { RolePermissions.table[role]?.contains($0) == true }
            #expect(held.count <= 1, "\(role) holds \(held)")
        }
        #expect(SealStep.allCases.allSatisfy { !RolePermissions.roles(holding: $0.permission).isEmpty })
        #expect(
            !RolePermissions.roles(holding: .sealDestroy).contains(.admin), "an administrator does not destroy seals")
    }
}
