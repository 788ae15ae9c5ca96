#!/usr/bin/env python3
"""Independent OFD signature checker for trustd's tests, written from GB/T 33190-2016 ch. 18, GB/T 38540 and
../shared/specs/ofd.md (not from trustd's code): zipfile + ElementTree (a DOCTYPE is refused before parsing, so no
entity is ever expanded), SM3 and SM2 through gmssl, SES_Signature structures through ses_check.py (asn1crypto).

  ofd_check.py FILE [ORIGINAL]  -> JSON: {signatures: [{id, type, references_ok, bad_references, signed_value,
                                   hash_ok, signer_ok, property_ok, seal_file_ok, pages_ok, stamp_annots, maker_ok}],
                                   page_ids, unchanged (entries of ORIGINAL byte-identical; OFD.xml may change once)}
"""
import base64
import json
import os
import posixpath
import sys
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gmssl import sm3  # noqa: E402

import ses_check  # noqa: E402


def parse(data: bytes):
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ValueError("DOCTYPE refused")
    return ET.fromstring(data)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def child(element, name):
    return next((c for c in element if local(c.tag) == name), None)


def children(element, name):
    return [c for c in element if local(c.tag) == name]


def resolve(loc: str, base_dir: str) -> str:
    loc = loc.replace("\\", "/")
    path = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)
    return posixpath.normpath(path).lstrip("/")


def sm3_of(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(list(data)))


def main() -> int:
    archive = zipfile.ZipFile(sys.argv[1])
    files = {resolve(info.filename, ""): archive.read(info) for info in archive.infolist() if not info.is_dir()}
    ofd = parse(files["OFD.xml"])
    body = child(ofd, "DocBody")
    doc_path = resolve(child(body, "DocRoot").text.strip(), "")
    document = parse(files[doc_path])
    page_ids = [p.get("ID") for p in children(child(document, "Pages"), "Page")]
    out = {"page_ids": page_ids, "signatures": []}
    signatures_loc = child(body, "Signatures")
    if signatures_loc is not None:
        sigs_path = resolve(signatures_loc.text.strip(), "")
        signatures = parse(files[sigs_path])
        for entry in children(signatures, "Signature"):
            sig_path = resolve(entry.get("BaseLoc"), posixpath.dirname(sigs_path))
            sig_bytes = files[sig_path]
            signature = parse(sig_bytes)
            info = child(signature, "SignedInfo")
            refs = child(info, "References")
            bad = []
            for ref in children(refs, "Reference"):
                path = resolve(ref.get("FileRef"), posixpath.dirname(sig_path))
                expected = base64.b64decode(child(ref, "CheckValue").text.strip())
                if path not in files or sm3_of(files[path]) != expected:
                    bad.append(path)
            signed_value_path = resolve(child(signature, "SignedValue").text.strip(), posixpath.dirname(sig_path))
            signed_value = files[signed_value_path]
            annots = children(info, "StampAnnot")
            result = {
                "id": entry.get("ID"), "type": entry.get("Type"), "path": sig_path,
                "check_method": refs.get("CheckMethod"), "references": len(children(refs, "Reference")),
                "references_ok": not bad, "bad_references": bad,
                "protects_signatures_xml": any(
                    resolve(r.get("FileRef"), "") == sigs_path for r in children(refs, "Reference")),
                "stamp_annots": [[a.get("PageRef"), a.get("Boundary"), a.get("Clip")] for a in annots],
                "pages_ok": all(a.get("PageRef") in page_ids for a in annots),
                "date_time": child(info, "SignatureDateTime").text,
            }
            if entry.get("Type", "Seal") == "Seal":
                ses = ses_check.SESSignature.load(signed_value, strict=True)
                tbs = ses["to_sign"]
                result["signed_value"] = "SES_Signature v%d" % tbs["version"].native
                result["hash_ok"] = tbs["data_hash"].native == sm3_of(sig_bytes)
                result["signer_ok"] = ses_check.sm2_ok(ses["cert"].native, tbs.dump(), ses["signature"].native)
                result["property_ok"] = tbs["property_info"].native == "/" + sig_path
                seal = child(info, "Seal")
                if seal is not None:
                    seal_path = resolve(child(seal, "BaseLoc").text.strip(), posixpath.dirname(sig_path))
                    result["seal_file_ok"] = files.get(seal_path) == tbs["eseal"].dump()
                result["maker_ok"] = ses_check.seal_fields(tbs["eseal"])["maker_ok"]
            out["signatures"].append(result)
    if len(sys.argv) > 2:
        original = zipfile.ZipFile(sys.argv[2])
        changed = []
        for info in original.infolist():
            if info.is_dir():
                continue
            path = resolve(info.filename, "")
            if path in ("OFD.xml",) or path.endswith("Signatures.xml"):
                continue
            if files.get(path) != original.read(info):
                changed.append(path)
        out["unchanged"] = not changed
        out["changed"] = changed
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
