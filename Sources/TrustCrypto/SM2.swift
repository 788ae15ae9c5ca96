internal import COpenSSL

extension PublicKey {
    /// `Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)` (GB/T 32918.2 §5.5, GM/T 0003.2).
    ///
    /// OpenSSL computes this internally but does not expose it; devices that sign a precomputed `e` (smart cards,
    /// HSM vendor mechanisms) need it on the host. Curve constants come from OpenSSL, the hash is SM3.
    public func sm2Z(id: SM2DistinguishingID = .default) throws -> [UInt8] {
        guard type == .sm2, let point = ecPoint else { throw CryptoError.mismatch("Z_A exists only for SM2 keys") }
        var input: [UInt8] = []
        input.reserveCapacity(2 + id.bytes.count + 6 * 32)
        let entl = UInt16(id.bytes.count * 8)
        input.append(UInt8(entl >> 8))
        input.append(UInt8(entl & 0xff))
        input += id.bytes
        input += try SM2Curve.parameters.get()
        input += point.dropFirst()  // x_A ‖ y_A
        return Digest.hash(.sm3, input)
    }

    /// `e = SM3(Z_A ‖ M)`: the value an SM2 signature actually signs, for ``PrivateKey/sign(digest:algorithm:)``.
    public func sm2SignedDigest(of message: [UInt8], id: SM2DistinguishingID = .default) throws -> [UInt8] {
        try SignatureEngine.sm2SignedDigest(key, message, id)
    }
}

/// The SM2 curve's `a ‖ b ‖ x_G ‖ y_G` (32 bytes each) as OpenSSL knows them, read once: every `Z_A` hashes them.
enum SM2Curve {
    static let parameters: Result<[UInt8], CryptoError> = Result { try read() }.mapError {
        $0 as? CryptoError ?? CryptoError(.internalFailure, "\($0)")
    }

    private static func read() throws -> [UInt8] {
        guard let group = EC_GROUP_new_by_curve_name(NID_sm2) else {
            throw OpenSSL.error(.internalFailure, "SM2 curve unavailable")
        }
        defer { EC_GROUP_free(group) }
        let p = BN_new()
        let a = BN_new()
        let b = BN_new()
        let x = BN_new()
        let y = BN_new()
        defer {
            BN_free(p)
            BN_free(a)
            BN_free(b)
            BN_free(x)
            BN_free(y)
        }
        guard EC_GROUP_get_curve(group, p, a, b, nil) == 1,
            EC_POINT_get_affine_coordinates(group, EC_GROUP_get0_generator(group), x, y, nil) == 1
        else { throw OpenSSL.error(.internalFailure, "cannot read SM2 curve parameters") }
        var out: [UInt8] = []
        for value in [a, b, x, y] {
            var field = [UInt8](repeating: 0, count: 32)
            guard field.withUnsafeMutableBufferPointer({ BN_bn2binpad(value, $0.baseAddress, 32) }) == 32 else {
                throw OpenSSL.error(.internalFailure, "cannot encode SM2 curve parameter")
            }
            out += field
        }
        return out
    }
}
