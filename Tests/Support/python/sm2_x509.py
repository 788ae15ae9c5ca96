#!/usr/bin/env python3
"""Independent check of SM2-signed X.509 objects for trustd's tests (written from RFC 5280 / RFC 6960 and
GB/T 32918, not from trustd's code): asn1crypto parses the structure, gmssl verifies the SM2 signature over the
TBS bytes as encoded, with the distinguishing ID 1234567812345678.

  sm2_x509.py cert CERT.der ISSUER.der      -> JSON {ok, subject, issuer, serial, sigalg, ...}
  sm2_x509.py crl CRL.der ISSUER.der        -> JSON {ok, number, revoked: [[serial_hex, reason], ...]}
  sm2_x509.py ocsp RESP.der                 -> JSON {ok, status, responses: [[serial_hex, status]], nonce}
Exit 0 when the signature verifies, 1 otherwise.
"""
import json
import sys

from asn1crypto import crl as acrl
from asn1crypto import ocsp as aocsp
from asn1crypto import x509 as ax509

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from sm2_gmssl import N, client, parse_sig, sm3_bytes, z_a  # noqa: E402

ID = b"1234567812345678"
SM2_WITH_SM3 = "1.2.156.10197.1.501"


def public_xy(certificate: ax509.Certificate) -> str:
    point = certificate["tbs_certificate"]["subject_public_key_info"]["public_key"].native
    if isinstance(point, bytes):
        raw = point
    else:  # some asn1crypto versions give a tuple or int for EC points
        raw = certificate["tbs_certificate"]["subject_public_key_info"]["public_key"].contents[1:]
    assert raw[0] == 4 and len(raw) == 65, "expected an uncompressed SM2 point"
    return raw[1:].hex()


def verify(pub_xy: str, tbs: bytes, signature: bytes) -> bool:
    r, s = parse_sig(signature)
    if not (0 < r < N and 0 < s < N):
        return False
    e = sm3_bytes(z_a(ID, pub_xy) + tbs)
    return bool(client(pub_xy).verify("%064x%064x" % (r, s), e))


def hexserial(value: int) -> str:
    text = "%x" % value
    return "0" + text if len(text) % 2 else text  # whole bytes, as trustd prints serials


def load(path):
    with open(path, "rb") as handle:
        return handle.read()


def main() -> int:
    kind = sys.argv[1]
    if kind == "cert":
        cert = ax509.Certificate.load(load(sys.argv[2]))
        issuer = ax509.Certificate.load(load(sys.argv[3]))
        tbs = cert["tbs_certificate"]
        sigalg = cert["signature_algorithm"]["algorithm"].dotted
        ok = sigalg == SM2_WITH_SM3 and tbs["signature"]["algorithm"].dotted == SM2_WITH_SM3 and \
            verify(public_xy(issuer), tbs.dump(), cert["signature_value"].native)
        out = {"ok": ok, "sigalg": sigalg, "serial": hexserial(tbs["serial_number"].native),
               "subject": tbs["subject"].human_friendly, "issuer": tbs["issuer"].human_friendly,
               "extensions": sorted(e["extn_id"].dotted for e in tbs["extensions"])}
    elif kind == "crl":
        crl = acrl.CertificateList.load(load(sys.argv[2]))
        issuer = ax509.Certificate.load(load(sys.argv[3]))
        tbs = crl["tbs_cert_list"]
        ok = crl["signature_algorithm"]["algorithm"].dotted == SM2_WITH_SM3 and \
            verify(public_xy(issuer), tbs.dump(), crl["signature"].native)
        revoked = []
        for entry in tbs["revoked_certificates"]:
            reason = None
            for ext in entry["crl_entry_extensions"]:
                if ext["extn_id"].native == "crl_reason":
                    reason = ext["extn_value"].native
            revoked.append([hexserial(entry["user_certificate"].native), reason])
        number = None
        for ext in tbs["crl_extensions"]:
            if ext["extn_id"].native == "crl_number":
                number = ext["extn_value"].native
        out = {"ok": ok, "number": number, "revoked": revoked}
    elif kind == "ocsp":
        response = aocsp.OCSPResponse.load(load(sys.argv[2]))
        basic = response["response_bytes"]["response"].parsed
        certs = basic["certs"]
        signer = certs[0]
        tbs = basic["tbs_response_data"]
        ok = basic["signature_algorithm"]["algorithm"].dotted == SM2_WITH_SM3 and \
            verify(public_xy(signer), tbs.dump(), basic["signature"].native)
        responses = [[hexserial(r["cert_id"]["serial_number"].native), r["cert_status"].name] for r in tbs["responses"]]
        nonce = None
        for ext in tbs["response_extensions"]:
            if ext["extn_id"].native == "nonce":
                nonce = ext["extn_value"].native.hex()
        out = {"ok": ok, "status": response["response_status"].native, "responses": responses, "nonce": nonce}
    else:
        print(__doc__)
        return 2
    print(json.dumps(out))
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
