import APIContract
import ArgumentParser
import Foundation

extension TrustctlCommand {
    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Electronic seals (GB/T 38540): apply, review, make, file, grant, withdraw, report-loss, recover, revoke, destroy.",
            subcommands: [
                Apply.self, Review.self, Make.self, File.self, Grant.self, Withdraw.self, ReportLoss.self, Recover.self,
                Revoke.self, Destroy.self, List.self, Show.self, Status.self, Export.self, Picture.self,
            ])
    }
}

func printSeal(_ seal: SealView, json: Bool) throws {
    if json { return try printJSON(seal) }
    let lines: [(String, String?)] = [
        ("id", seal.id), ("name", seal.name), ("type", seal.type), ("state", seal.state), ("esID", seal.esId),
        ("organization", seal.organizationId), ("applicant", "\(seal.applicant) (person \(seal.applicantId))"),
        ("valid", "\(seal.validFrom) – \(seal.validTo)"), ("key type", seal.keyType),
        ("certificate", seal.certificateSerial),
        ("filing", seal.filingNumber.map { "\($0) (\(seal.filingAuthority ?? "-"))" }),
        ("next steps", seal.nextSteps.isEmpty ? "none" : seal.nextSteps.joined(separator: ", ")),
    ]
    for (key, value) in lines {
        if let value { print("\(key.padding(toLength: 13, withPad: " ", startingAt: 0)) \(value)") }
    }
    print("")
    printTable(
        seal.history.map { [$0.time, $0.step, "\($0.from ?? "-") → \($0.to)", $0.actor, $0.comment ?? ""] },
        header: ["TIME", "STEP", "STATE", "ACTOR", "COMMENT"])
    if !seal.grants.isEmpty {
        print("")
        printTable(
            seal.grants.map { grant in
                [
                    grant.id, "\(grant.granteeKind):\(grant.granteeId)", grant.minLevel, grant.validTo,
                    grant.usageLimit.map { "\(grant.usageCount)/\($0)" } ?? "\(grant.usageCount)",
                    grant.withdrawnAt.map { "withdrawn \($0)" } ?? "active",
                ]
            },
            header: ["GRANT", "GRANTEE", "MIN LEVEL", "VALID TO", "USES", "STATE"])
    }
}

/// One seal lifecycle step: POST to /v1/seals/{id}/STEP and print the seal.
protocol SealStepCommand: AsyncParsableCommand {
    var server: ServerOptions { get }
    var output: OutputOptions { get }
    var id: String { get }
    var step: String { get }
    func body() throws -> [UInt8]?
}

extension SealStepCommand {
    func run() async throws {
        try await reportingErrors {
            let reply = try await server.client().call(.POST, "/v1/seals/\(segment(id))/\(step)", body: try body())
            try printSeal(try JSONDecoder().decode(SealView.self, from: Data(reply.body)), json: output.json)
        }
    }
}

func encodeBody(_ value: some Encodable) throws -> [UInt8] { Array(try JSONEncoder().encode(value)) }

extension TrustctlCommand.Seal {
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply for a seal for an organisation (as seal-applicant); prints the seal id.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "Organisation id.") var organization: String
        @Option(
            name: .long,
            help: "The applying person's id, authorised by the organisation (default: its legal representative).")
        var applicant: String?
        @Option(name: .long, help: "Seal type (policies/seal-types.yaml), e.g. official, contract.") var type: String
        @Option(name: .long, help: "Seal name, e.g. 某某科技有限公司合同专用章.") var name: String
        @Option(name: .long, help: "Picture file (PNG, JPEG or GIF).") var picture: String?
        @Flag(
            name: .long,
            help: "Let trustd draw the type's standard picture with the organisation's registered name.")
        var pictureGenerate = false
        @Option(name: .long, help: "With --picture-generate: the number drawn on the seal (e.g. 3501000012345).")
        var number: String?
        @Option(name: .long, help: "Picture width in mm (with --picture).") var widthMm: Int?
        @Option(name: .long, help: "Picture height in mm (with --picture).") var heightMm: Int?

        func validate() throws {
            guard (picture != nil) != pictureGenerate else {
                throw ValidationError("give --picture FILE (with --width-mm and --height-mm) or --picture-generate")
            }
            if picture != nil, widthMm == nil || heightMm == nil {
                throw ValidationError("--picture needs --width-mm and --height-mm")
            }
            if number != nil, !pictureGenerate { throw ValidationError("--number goes with --picture-generate") }
        }
        @Option(name: .long, help: "End of validity (ISO 8601); default per seal type.") var validTo: String?
        @Option(name: .long, help: "Seal key type (default per seal type).") var keyType: String?

        func run() async throws {
            try await reportingErrors {
                var body: SealPictureBody? = nil
                if let picture, let widthMm, let heightMm {
                    let format = URL(fileURLWithPath: picture).pathExtension.lowercased().replacingOccurrences(
                        of: "jpg", with: "jpeg")
                    body = SealPictureBody(
                        format: format, data: Data(try readFile(picture)).base64EncodedString(), widthMm: widthMm,
                        heightMm: heightMm)
                }
                let seal = try await server.client().post(
                    SealView.self, "/v1/seals",
                    SealApplyRequest(
                        organizationId: organization, applicantId: applicant, type: type, name: name, picture: body,
                        pictureGenerate: pictureGenerate ? true : nil, pictureNumber: number, validTo: validTo,
                        keyType: keyType))
                if output.json { return try printJSON(seal) }
                print(seal.id)
            }
        }
    }

    struct Review: SealStepCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve (--approve) or reject (--reject) an application (as seal-reviewer, not the applicant).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        @Flag(exclusivity: .exclusive, help: "Decision.") var decision: Decision
        @Option(name: .long, help: "Review comment.") var comment: String?
        enum Decision: EnumerableFlag { case approve, reject }
        var step: String { "review" }
        func body() throws -> [UInt8]? {
            try encodeBody(SealReviewRequest(approve: decision == .approve, comment: comment))
        }
    }

    struct Make: SealStepCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an approved seal: key in custody, certificate, signed SESeal (as seal-maker).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        var step: String { "make" }
        func body() throws -> [UInt8]? { nil }
    }

    struct File: SealStepCommand {
        static let configuration = CommandConfiguration(
            abstract: "File (备案) a made seal with the filing authority's number (as seal-filer).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        @Option(name: .long, help: "Filing number.") var number: String
        @Option(name: .long, help: "Filing authority.") var authority: String
        var step: String { "file" }
        func body() throws -> [UInt8]? { try encodeBody(SealFileRequest(filingNumber: number, authority: authority)) }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Authorise a signer for a filed or active seal (as seal-granter); prints the grant id.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Seal id.") var id: String
        @Option(name: .long, help: "Person id of the signer.") var person: String?
        @Option(name: .long, help: "Principal id of a platform allowed to sign.") var principal: String?
        @Option(name: .long, help: "Minimum assurance level of the signer.") var minLevel = "intermediate"
        @Option(name: .long, help: "End of the grant (ISO 8601).") var validTo: String
        @Option(name: .long, help: "Maximum number of signatures.") var usageLimit: Int?

        func validate() throws {
            guard (person == nil) != (principal == nil) else {
                throw ValidationError("give exactly one of --person or --principal")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let grant = try await server.client().post(
                    SealGrantView.self, "/v1/seals/\(segment(id))/grants",
                    SealGrantRequest(
                        personId: person, principalId: principal, minLevel: minLevel, validTo: validTo,
                        usageLimit: usageLimit))
                print(grant.id)
            }
        }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw a grant (as seal-granter).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        @Argument(help: "Grant id.") var grant: String

        func run() async throws {
            try await reportingErrors {
                let reply = try await server.client().call(
                    .POST, "/v1/seals/\(segment(id))/grants/\(segment(grant))/withdraw")
                try printSeal(try JSONDecoder().decode(SealView.self, from: Data(reply.body)), json: output.json)
            }
        }
    }

    struct ReportLoss: SealStepCommand {
        static let configuration = CommandConfiguration(
            commandName: "report-loss",
            abstract: "Report a seal lost (挂失): suspended, certificate on hold (as seal-revoker).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        @Option(name: .long, help: "Comment.") var comment: String?
        var step: String { "report-loss" }
        func body() throws -> [UInt8]? { try encodeBody(SealStepRequest(comment: comment)) }
    }

    struct Recover: SealStepCommand {
        static let configuration = CommandConfiguration(abstract: "Recover a suspended seal (as seal-reviewer).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        @Option(name: .long, help: "Comment.") var comment: String?
        var step: String { "recover" }
        func body() throws -> [UInt8]? { try encodeBody(SealStepRequest(comment: comment)) }
    }

    struct Revoke: SealStepCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a seal and its certificate (as seal-revoker).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        @Option(name: .long, help: "RFC 5280 reason for the certificate (default cessationOfOperation).") var reason:
            String?
        @Option(name: .long, help: "Comment.") var comment: String?
        var step: String { "revoke" }
        func body() throws -> [UInt8]? { try encodeBody(SealStepRequest(comment: comment, reason: reason)) }
    }

    struct Destroy: SealStepCommand {
        static let configuration = CommandConfiguration(abstract: "Destroy a seal's key in custody (as seal-revoker).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String
        @Option(name: .long, help: "Comment.") var comment: String?
        var step: String { "destroy" }
        func body() throws -> [UInt8]? { try encodeBody(SealStepRequest(comment: comment)) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List seals.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .long, help: "Only this organisation's seals.") var organization: String?
        @Option(name: .long, help: "Only seals in this state.") var state: String?

        func run() async throws {
            try await reportingErrors {
                var query: [String] = []
                if let organization { query.append("organizationId=\(segment(organization))") }
                if let state { query.append("state=\(segment(state))") }
                let list = try await server.client().get(
                    SealList.self, "/v1/seals" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
                if output.json { return try printJSON(list) }
                printTable(
                    list.seals.map { [$0.id, $0.type, $0.state, $0.name, $0.validTo] },
                    header: ["ID", "TYPE", "STATE", "NAME", "VALID TO"])
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a seal with its lifecycle history and grants.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String

        func run() async throws {
            try await reportingErrors {
                try printSeal(
                    try await server.client().get(SealView.self, "/v1/seals/\(segment(id))"), json: output.json)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Status query: state, certificate status, validity, filing number.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Seal id.") var id: String

        func run() async throws {
            try await reportingErrors {
                let status = try await server.client().get(SealStatusView.self, "/v1/seals/\(segment(id))/status")
                if output.json { return try printJSON(status) }
                print(
                    "\(status.state) (certificate \(status.certificateStatus)), valid \(status.validFrom) – \(status.validTo)"
                        + (status.filingNumber.map { ", filed \($0)" } ?? ""))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the seal's SESeal (DER) and its picture to files.")
        @OptionGroup var server: ServerOptions
        @Argument(help: "Seal id.") var id: String
        @Option(name: .long, help: "Where to write the DER SESeal.") var out: String
        @Option(
            name: .long,
            help:
                "Where to write the picture (default: next to --out, with the picture's extension; never over an existing file)."
        ) var picture: String?
        @Flag(name: .long, help: "Overwrite an existing picture file at the default path.") var force = false

        func run() async throws {
            try await reportingErrors {
                let client = try server.client()
                let eseal = try await client.call(
                    .GET, "/v1/seals/\(segment(id))/eseal", accept: "application/octet-stream")
                try writeFile(out, eseal.body)
                let image = try await client.call(.GET, "/v1/seals/\(segment(id))/picture", accept: "image/*")
                let ext = (image.contentType ?? "image/png").replacingOccurrences(of: "image/", with: "")
                let picturePath =
                    picture ?? URL(fileURLWithPath: out).deletingPathExtension().path + "."
                    + (ext == "jpeg" ? "jpg" : ext)
                // The default path is derived, so the user did not name it: never replace a file there silently (it is
                // often the picture the seal was applied with).
                if picture == nil, !force, FileManager.default.fileExists(atPath: picturePath) {
                    throw fail(
                        "\(picturePath) exists; name the picture file with --picture, or pass --force",
                        code: TrustctlExit.cannotCreate)
                }
                try writeFile(picturePath, image.body)
                print("\(out) (\(eseal.body.count) bytes), \(picturePath)")
            }
        }
    }
}
