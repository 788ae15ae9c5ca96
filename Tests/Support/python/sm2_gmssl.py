#!/usr/bin/env python3
"""Independent SM2 checker for trustd's tests, written from GB/T 32918.2 / GM/T 0003 (not from trustd's code).

Uses the pure-Python `gmssl` package for the curve arithmetic and SM3; computes Z_A itself so any
distinguishing ID can be used (gmssl's *_with_sm3 helpers hard-code 1234567812345678).

  sm2_gmssl.py verify PUBHEX IDHEX MSGHEX SIGHEX   -> prints OK or FAIL (exit 0 / 1); SIG raw r||s or DER
  sm2_gmssl.py sign IDHEX MSGHEX                   -> prints "PUBHEX SIGHEX" (fresh key, raw r||s)
"""
import secrets
import sys

from gmssl import sm2, sm3

T = sm2.default_ecc_table
N = int(T["n"], 16)


def sm3_bytes(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(list(data)))


def z_a(ident: bytes, pub_xy_hex: str) -> bytes:
    entl = (len(ident) * 8).to_bytes(2, "big")
    return sm3_bytes(entl + ident + bytes.fromhex(T["a"]) + bytes.fromhex(T["b"]) + bytes.fromhex(T["g"])
                     + bytes.fromhex(pub_xy_hex))


def parse_sig(sig: bytes):
    if len(sig) == 64:
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    # Minimal DER reader for SEQUENCE { INTEGER r, INTEGER s } (short lengths only: SM2 signatures are < 128 bytes).
    assert sig[0] == 0x30 and sig[1] == len(sig) - 2, "not a DER SEQUENCE"
    pos, out = 2, []
    for _ in range(2):
        assert sig[pos] == 0x02
        length = sig[pos + 1]
        out.append(int.from_bytes(sig[pos + 2:pos + 2 + length], "big"))
        pos += 2 + length
    assert pos == len(sig)
    return out[0], out[1]


def client(pub_xy_hex: str, priv_hex: str = "") -> sm2.CryptSM2:
    c = sm2.CryptSM2(private_key=priv_hex, public_key="00")
    c.public_key = pub_xy_hex  # gmssl's constructor strips "04" with lstrip, corrupting some keys
    return c


def main() -> int:
    cmd = sys.argv[1]
    if cmd == "verify":
        pub, ident, msg, sig = sys.argv[2], bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4]), bytes.fromhex(sys.argv[5])
        if len(pub) == 130 and pub.startswith("04"):
            pub = pub[2:]
        r, s = parse_sig(sig)
        e = sm3_bytes(z_a(ident, pub) + msg)
        ok = 0 < r < N and 0 < s < N and client(pub).verify("%064x%064x" % (r, s), e)
        print("OK" if ok else "FAIL")
        return 0 if ok else 1
    if cmd == "sign":
        ident, msg = bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
        d = secrets.randbelow(N - 2) + 1
        c = client("00", "%064x" % d)
        pub = c._kg(d, T["g"])
        c.public_key = pub
        e = sm3_bytes(z_a(ident, pub) + msg)
        sig = None
        while sig is None:
            sig = c.sign(e, "%064x" % (secrets.randbelow(N - 2) + 1))
        print(pub, sig)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
