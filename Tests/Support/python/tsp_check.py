#!/usr/bin/env python3
"""Independent RFC 3161 checker for SM2 time-stamp tokens (OpenSSL 3.0's `ts -verify` cannot do SM2): asn1crypto parses
TimeStampResp / SignedData / TSTInfo (RFC 3161, RFC 5652), gmssl verifies the SM2 signature with the standard ID over the
DER of the signed attributes as a SET OF (RFC 5652 §5.4), SM3 checks messageDigest and the ESS certificate hash.

  tsp_check.py RESP_FILE IMPRINT_HEX CERT_FILE   -> JSON report
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asn1crypto import cms, tsp  # noqa: E402

import sm2_gmssl  # noqa: E402


def main() -> int:
    with open(sys.argv[1], "rb") as handle:
        response = tsp.TimeStampResp.load(handle.read(), strict=True)
    imprint = bytes.fromhex(sys.argv[2])
    with open(sys.argv[3], "rb") as handle:
        certificate_der = handle.read()
    out = {"status": response["status"]["status"].native}
    if out["status"] != "granted":
        out["failure"] = sorted(response["status"]["fail_info"].native or [])
        print(json.dumps(out))
        return 0
    token = response["time_stamp_token"]
    signed = token["content"]
    info = signed["encap_content_info"]
    tst_bytes = info["content"].parsed.dump()
    tst = info["content"].parsed
    signer = signed["signer_infos"][0]
    attributes = {a["type"].dotted: a["values"][0] for a in signer["signed_attrs"]}
    to_sign = bytearray(signer["signed_attrs"].dump())
    to_sign[0] = 0x31  # [0] IMPLICIT -> SET OF for the signature (RFC 5652 §5.4)
    certificate = signed["certificates"][0].chosen.dump() if signed["certificates"] else certificate_der
    ess = attributes.get("1.2.840.113549.1.9.16.2.47")
    out.update({
        "content_type": info["content_type"].dotted,
        "imprint_ok": tst["message_imprint"]["hashed_message"].native == imprint,
        "digest_ok": attributes["1.2.840.113549.1.9.4"].native == sm2_gmssl.sm3_bytes(tst_bytes),
        "signature_ok": sm2_ok(certificate, bytes(to_sign), signer["signature"].native),
        "ess_ok": ess is not None and ess.native["certs"][0]["cert_hash"] == sm2_gmssl.sm3_bytes(certificate_der),
        "certificate_included": bool(signed["certificates"]),
        "serial": tst["serial_number"].native,
        "nonce": tst["nonce"].native,
        "policy": tst["policy"].dotted,
        "digest_algorithm": signer["digest_algorithm"]["algorithm"].dotted,
        "signature_algorithm": signer["signature_algorithm"]["algorithm"].dotted,
    })
    print(json.dumps(out))
    return 0


def sm2_ok(certificate_der: bytes, message: bytes, signature: bytes) -> bool:
    from asn1crypto import x509
    public = x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"]["public_key"].native
    pub = public.hex()[2:]
    r, s = sm2_gmssl.parse_sig(signature)
    e = sm2_gmssl.sm3_bytes(sm2_gmssl.z_a(b"1234567812345678", pub) + message)
    return 0 < r < sm2_gmssl.N and 0 < s < sm2_gmssl.N and sm2_gmssl.client(pub).verify("%064x%064x" % (r, s), e)


if __name__ == "__main__":
    sys.exit(main())
