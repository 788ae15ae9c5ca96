#!/usr/bin/env python3
"""Independent checker for SM2 CMS signatures in both forms trustd makes, written from RFC 5652 and GM/T 0010
(OpenSSL 3.0's `cms -verify` cannot check SM2 with the standard ID): asn1crypto parses ContentInfo / SignedData
(the GM/T 0010 form is the same structure under `1.2.156.10197.6.1.4.2.x`), gmssl verifies SM2 with the ID
1234567812345678 over the DER of the signed attributes as a SET OF (RFC 5652 §5.4), SM3 checks messageDigest.

  cms_check.py SIG_FILE DATA_FILE   -> JSON report
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asn1crypto import cms, core, x509  # noqa: E402

import sm2_gmssl  # noqa: E402


def tlv(data: bytes, pos: int):
    """(tag, content start, end) of the DER element at pos."""
    tag, length, pos = data[pos], data[pos + 1], pos + 2
    if length & 0x80:
        count = length & 0x7F
        length, pos = int.from_bytes(data[pos:pos + count], "big"), pos + count
    return tag, pos, pos + length


def split_content_info(der: bytes):
    """ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }, read by hand so the GM/T 0010 OIDs need
    no registration in asn1crypto: returns (the OID, the DER of the inner SignedData)."""
    tag, start, end = tlv(der, 0)
    assert tag == 0x30 and end == len(der), "ContentInfo is not one DER SEQUENCE"
    tag, oid_start, oid_end = tlv(der, start)
    assert tag == 0x06
    oid = core.ObjectIdentifier.load(der[start:oid_end]).dotted
    tag, inner_start, inner_end = tlv(der, oid_end)
    assert tag == 0xA0 and inner_end == end
    return oid, der[inner_start:inner_end]


def main() -> int:
    with open(sys.argv[1], "rb") as handle:
        signature_der = handle.read()
    with open(sys.argv[2], "rb") as handle:
        document = handle.read()
    content_type, inner = split_content_info(signature_der)
    signed = cms.SignedData.load(inner, strict=True)
    encap = signed["encap_content_info"]
    signer = signed["signer_infos"][0]
    attributes = {a["type"].dotted: a["values"][0] for a in signer["signed_attrs"]}
    to_sign = bytearray(signer["signed_attrs"].dump())
    to_sign[0] = 0x31  # [0] IMPLICIT -> SET OF for the signature (RFC 5652 §5.4)
    sid = signer["sid"].chosen
    certificate = None
    for choice in signed["certificates"]:
        candidate = choice.chosen
        if candidate.issuer == sid["issuer"] and candidate.serial_number == sid["serial_number"].native:
            certificate = candidate
    out = {
        "content_type": content_type,
        "econtent_type": encap["content_type"].dotted,
        "detached": encap["content"].native is None,
        "digest_algorithm": signer["digest_algorithm"]["algorithm"].dotted,
        "signature_algorithm": signer["signature_algorithm"]["algorithm"].dotted,
        "content_type_attribute": attributes["1.2.840.113549.1.9.3"].dotted,
        "signing_time": "1.2.840.113549.1.9.5" in attributes,
        "certificate_found": certificate is not None,
        "certificates": len(signed["certificates"]),
        "digest_ok": attributes["1.2.840.113549.1.9.4"].native == sm2_gmssl.sm3_bytes(document),
        "signature_ok": certificate is not None and sm2_ok(certificate, bytes(to_sign), signer["signature"].native),
        "timestamp": bool(signer["unsigned_attrs"]) and any(a["type"].dotted == "1.2.840.113549.1.9.16.2.14" for a in signer["unsigned_attrs"]),
    }
    print(json.dumps(out))
    return 0


def sm2_ok(certificate: x509.Certificate, message: bytes, signature: bytes) -> bool:
    pub = certificate["tbs_certificate"]["subject_public_key_info"]["public_key"].native.hex()[2:]
    r, s = sm2_gmssl.parse_sig(signature)
    e = sm2_gmssl.sm3_bytes(sm2_gmssl.z_a(b"1234567812345678", pub) + message)
    return 0 < r < sm2_gmssl.N and 0 < s < sm2_gmssl.N and sm2_gmssl.client(pub).verify("%064x%064x" % (r, s), e)


if __name__ == "__main__":
    sys.exit(main())
