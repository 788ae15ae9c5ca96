#!/usr/bin/env python3
"""Independent GB/T 38540 v4 checker for trustd's tests: parses SESeal / SES_Signature with asn1crypto (structures
written from gm-standards.md §4.1, not from trustd's code) and verifies SM2 signatures with gmssl (sm2_gmssl.py).

  ses_check.py seal FILE            -> JSON: header, esID, name, type, picture, maker_ok
  ses_check.py signature FILE DOC   -> JSON: the seal's fields, signer_ok, hash_ok, listed, timestamp
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asn1crypto import x509  # noqa: E402
from asn1crypto.core import (Boolean, GeneralizedTime, IA5String, Integer, ObjectIdentifier, OctetBitString,  # noqa: E402
                             OctetString, Sequence, SequenceOf, UTF8String)
from gmssl import sm3  # noqa: E402

import sm2_gmssl  # noqa: E402

DEFAULT_ID = b"1234567812345678"


class Header(Sequence):
    _fields = [("id", IA5String), ("version", Integer), ("vid", IA5String)]


class Certs(SequenceOf):
    _child_spec = OctetString


class Property(Sequence):
    _fields = [("type", Integer), ("name", UTF8String), ("cert_list_type", Integer), ("cert_list", Certs),
               ("create_date", GeneralizedTime), ("valid_start", GeneralizedTime), ("valid_end", GeneralizedTime)]


class Picture(Sequence):
    _fields = [("type", IA5String), ("data", OctetString), ("width", Integer), ("height", Integer)]


class ExtData(Sequence):
    _fields = [("id", ObjectIdentifier), ("critical", Boolean, {"default": False}), ("value", OctetString)]


class ExtDatas(SequenceOf):
    _child_spec = ExtData


class SealInfo(Sequence):
    _fields = [("header", Header), ("es_id", IA5String), ("property", Property), ("picture", Picture),
               ("ext_datas", ExtDatas, {"optional": True})]


class SESeal(Sequence):
    _fields = [("info", SealInfo), ("cert", OctetString), ("alg", ObjectIdentifier), ("signed", OctetBitString)]


class TBSSign(Sequence):
    _fields = [("version", Integer), ("eseal", SESeal), ("time_info", GeneralizedTime), ("data_hash", OctetBitString),
               ("property_info", IA5String), ("ext_datas", ExtDatas, {"explicit": 0, "optional": True})]


class SESSignature(Sequence):
    _fields = [("to_sign", TBSSign), ("cert", OctetString), ("alg", ObjectIdentifier), ("signature", OctetBitString),
               ("time_stamp", OctetBitString, {"explicit": 0, "optional": True})]


def sm2_ok(cert_der: bytes, message: bytes, signature: bytes) -> bool:
    public = x509.Certificate.load(cert_der)["tbs_certificate"]["subject_public_key_info"]["public_key"].native
    r, s = sm2_gmssl.parse_sig(signature)
    pub = public.hex()[2:]
    e = sm2_gmssl.sm3_bytes(sm2_gmssl.z_a(DEFAULT_ID, pub) + message)
    return 0 < r < sm2_gmssl.N and 0 < s < sm2_gmssl.N and sm2_gmssl.client(pub).verify("%064x%064x" % (r, s), e)


def seal_fields(seal: SESeal) -> dict:
    info = seal["info"]
    return {
        "header": [info["header"]["id"].native, info["header"]["version"].native, info["header"]["vid"].native],
        "esID": info["es_id"].native,
        "name": info["property"]["name"].native,
        "type": info["property"]["type"].native,
        "certs": len(info["property"]["cert_list"]),
        "validEnd": info["property"]["valid_end"].native.strftime("%Y%m%d%H%M%SZ"),
        "picture": [info["picture"]["type"].native, len(info["picture"]["data"].native), info["picture"]["width"].native,
                    info["picture"]["height"].native],
        "alg": seal["alg"].dotted,
        # dump() returns the bytes as parsed: the maker signed SES_SealInfo as it appears in the file.
        "maker_ok": sm2_ok(seal["cert"].native, info.dump(), seal["signed"].native),
    }


def main() -> int:
    with open(sys.argv[2], "rb") as handle:
        data = handle.read()
    if sys.argv[1] == "seal":
        print(json.dumps(seal_fields(SESeal.load(data, strict=True)), ensure_ascii=False))
        return 0
    if sys.argv[1] == "signature":
        with open(sys.argv[3], "rb") as handle:
            document = handle.read()
        signature = SESSignature.load(data, strict=True)
        tbs = signature["to_sign"]
        out = seal_fields(tbs["eseal"])
        out["signer_ok"] = sm2_ok(signature["cert"].native, tbs.dump(), signature["signature"].native)
        out["hash_ok"] = tbs["data_hash"].native == bytes.fromhex(sm3.sm3_hash(list(document)))
        out["listed"] = signature["cert"].native in [c.native for c in tbs["eseal"]["info"]["property"]["cert_list"]]
        out["propertyInfo"] = tbs["property_info"].native
        out["timestamp"] = signature["time_stamp"].native.hex() if signature["time_stamp"].native is not None else None
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
