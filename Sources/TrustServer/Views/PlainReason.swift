import TrustModel

/// Why a signature is not valid, in words a service-hall clerk can say to a citizen. Derived from the first check
/// that failed (else the first that could not decide): its name, its EN 319 102-1 sub-indication and its cause.
enum PlainReason: String, Sendable, CaseIterable {
    case documentModified, documentNotGiven, signatureBroken, formatUnreadable, noSignatures
    case certificateRevoked, certificateOnHold, certificateExpired, certificateNotYetValid
    case untrustedIssuer, noSignerCertificate, keyUsage, signerNotOnSeal
    case sealReportedLost, sealRevoked, sealNotInUse, sealExpired, sealNotYetValid, sealMakerInvalid
    case revokedNoProof, expiredNoProof, revocationUnknown, lookupFailed, timestampProblem, stampMisplaced
    case otherFailure, otherIndeterminate

    /// The reason for a report that did not pass; nil for one that did.
    init?(_ report: ValidationReport) {
        guard
            let check = report.checks.first(where: { $0.status == .failed })
                ?? report.checks.first(where: { $0.status == .indeterminate })
        else { return nil }
        self = Self.reason(check)
    }

    static func reason(_ check: ValidationReport.Check) -> PlainReason {
        switch check.cause {
        case .sealReportedLost: return .sealReportedLost
        case .certificateOnHold: return .certificateOnHold
        case .lookupFailed: return .lookupFailed
        case nil: break
        }
        switch check.subIndication {
        case .revokedNoPOE: return .revokedNoProof
        case .outOfBoundsNoPOE, .outOfBoundsNotRevoked: return .expiredNoProof
        default: break
        }
        switch (check.name, check.subIndication) {
        case (.document, .signedDataNotFound): return .documentNotGiven
        case (.document, _), (.references, _): return .documentModified
        case (.signature, _), (.sealFile, _): return .signatureBroken
        case (.format, _): return .formatUnreadable
        case (.revocation, .revoked): return .certificateRevoked
        case (.revocation, _): return .revocationUnknown
        case (.validity, .notYetValid): return .certificateNotYetValid
        case (.validity, _): return .certificateExpired
        case (.chain, _): return .untrustedIssuer
        case (.certificate, _): return .noSignerCertificate
        case (.keyUsage, _): return .keyUsage
        case (.sealCertList, _): return .signerNotOnSeal
        case (.sealMaker, _): return .sealMakerInvalid
        case (.sealValidity, .notYetValid): return .sealNotYetValid
        case (.sealValidity, _): return .sealExpired
        case (.sealStatus, .notYetValid): return .sealNotInUse
        case (.sealStatus, _): return .sealRevoked
        case (.timestamp, _): return .timestampProblem
        case (.stampAnnotations, _): return .stampMisplaced
        }
    }

    func text(_ language: ReportLanguage) -> String {
        switch self {
        case .documentModified: language.pick("文件在签章后被修改", "The document was changed after it was sealed")
        case .documentNotGiven:
            language.pick("未提供签章所对应的原文，无法核对文件内容", "The signed document was not given, so its content was not checked")
        case .signatureBroken: language.pick("签章数据已损坏或被篡改", "The seal signature is damaged or was tampered with")
        case .formatUnreadable:
            language.pick("文件不是可识别的签章文件，或已损坏", "The file is not a recognised signed document, or it is damaged")
        case .noSignatures: language.pick("文件中没有签章", "The document carries no seal or signature")
        case .certificateRevoked: language.pick("证书已吊销", "The certificate was revoked")
        case .certificateOnHold:
            language.pick("证书已暂停使用（印章已挂失）", "The certificate is on hold (the seal was reported lost)")
        case .certificateExpired: language.pick("签章时证书已过期", "The certificate had expired when the document was sealed")
        case .certificateNotYetValid:
            language.pick("签章时证书尚未生效", "The certificate was not yet valid when the document was sealed")
        case .untrustedIssuer: language.pick("证书不是由受信任的机构签发", "The certificate was not issued by a trusted authority")
        case .noSignerCertificate: language.pick("找不到签章人的证书", "The signer's certificate is missing")
        case .keyUsage: language.pick("证书不允许用于签章", "The certificate may not be used for sealing")
        case .signerNotOnSeal: language.pick("签章人证书不属于该印章", "The signer's certificate does not belong to this seal")
        case .sealReportedLost: language.pick("印章已挂失", "The seal was reported lost")
        case .sealRevoked: language.pick("印章已吊销或已销毁", "The seal was revoked or destroyed")
        case .sealNotInUse: language.pick("印章尚未启用", "The seal has not been put into use")
        case .sealExpired: language.pick("签章时印章已过有效期", "The seal had expired when the document was sealed")
        case .sealNotYetValid: language.pick("签章时印章尚未生效", "The seal was not yet valid when the document was sealed")
        case .sealMakerInvalid: language.pick("印章不是由合法的制章机构制作", "The seal was not made by a legitimate seal maker")
        case .revokedNoProof:
            language.pick(
                "证书已吊销，且没有时间戳证明签章早于吊销", "The certificate was revoked, and no timestamp proves the seal came first")
        case .expiredNoProof:
            language.pick(
                "证书已过期，且没有时间戳证明签章在有效期内",
                "The certificate has expired, and no timestamp proves the seal was made in time")
        case .revocationUnknown:
            language.pick("暂时无法确认证书是否已吊销", "Whether the certificate was revoked cannot be told at present")
        case .lookupFailed:
            language.pick(
                "暂时无法查询印章或证书状态，请稍后再试", "The seal or certificate status cannot be read at present; try again later")
        case .timestampProblem: language.pick("时间戳无效", "The timestamp is not valid")
        case .stampMisplaced: language.pick("签章位置指向不存在的页面", "A stamp refers to a page the document does not have")
        case .otherFailure: language.pick("签章验证未通过", "The seal did not pass verification")
        case .otherIndeterminate: language.pick("暂时无法确定签章是否有效", "Whether the seal is valid cannot be determined")
        }
    }
}

/// The words for the verdicts, checks, statuses and time sources of a report.
enum ReportWords {
    static func verdict(_ indication: ValidationReport.Indication, _ language: ReportLanguage) -> String {
        switch indication {
        case .totalPassed: language.pick("有效", "Valid")
        case .totalFailed: language.pick("无效", "Invalid")
        case .indeterminate: language.pick("无法确定", "Cannot be determined")
        }
    }

    /// The CSS class of a verdict (colour and icon), never the only sign of it.
    static func tone(_ indication: ValidationReport.Indication) -> String {
        switch indication {
        case .totalPassed: "valid"
        case .totalFailed: "invalid"
        case .indeterminate: "unknown"
        }
    }

    static func check(_ name: CheckName, _ language: ReportLanguage) -> String {
        switch name {
        case .format: language.pick("文件格式", "File format")
        case .references: language.pick("文件内容完整", "Document content intact")
        case .stampAnnotations: language.pick("签章位置", "Stamp position")
        case .sealFile: language.pick("印章文件", "Seal file")
        case .signature: language.pick("签名值", "Signature value")
        case .document: language.pick("原文一致", "Document matches")
        case .timestamp: language.pick("时间戳", "Timestamp")
        case .certificate: language.pick("签章人证书", "Signer certificate")
        case .chain: language.pick("证书签发机构", "Certificate issuer")
        case .validity: language.pick("证书有效期", "Certificate validity")
        case .revocation: language.pick("证书吊销状态", "Certificate revocation")
        case .keyUsage: language.pick("证书用途", "Certificate usage")
        case .sealCertList: language.pick("印章与签章人", "Seal and signer")
        case .sealMaker: language.pick("制章机构签名", "Seal maker's signature")
        case .sealValidity: language.pick("印章有效期", "Seal validity")
        case .sealStatus: language.pick("印章状态", "Seal status")
        }
    }

    static func status(_ status: ValidationReport.Status, _ language: ReportLanguage) -> String {
        switch status {
        case .passed: language.pick("通过", "Passed")
        case .failed: language.pick("未通过", "Failed")
        case .indeterminate: language.pick("无法确定", "Undetermined")
        case .info: language.pick("说明", "Note")
        case .warning: language.pick("提示", "Warning")
        }
    }

    static func timeSource(_ source: String?, _ language: ReportLanguage) -> String {
        switch source {
        case "timestamp": language.pick("由可信时间戳证明", "proven by a trusted timestamp")
        case "claimed": language.pick("签章人声明的时间，无时间戳证明", "claimed by the signer, no timestamp")
        default: language.pick("无签章时间，按验证时间判断", "no signing time; judged at the validation time")
        }
    }

    static func sealState(_ state: SealState, _ language: ReportLanguage) -> String {
        switch state {
        case .active: language.pick("正常使用", "In use")
        case .suspended: language.pick("已挂失", "Reported lost")
        case .revoked: language.pick("已吊销", "Revoked")
        case .destroyed: language.pick("已销毁", "Destroyed")
        case .made, .filed, .approved: language.pick("尚未启用", "Not yet in use")
        case .applied: language.pick("申请中", "Applied for")
        case .rejected: language.pick("申请被驳回", "Rejected")
        }
    }
}
