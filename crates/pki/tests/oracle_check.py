#!/usr/bin/env python3
"""Checks GOST R 34.10-2015 512-bit signatures made by Otinish with verifiers that are not ours:
PyPI gostcrypto, plain affine arithmetic (fixtures/kz-gost/check/ecmath.py) and OpenSSL's gost
engine (key re-wrapped under TC26 OIDs, signature byte-reversed: the mapping PROVENANCE.md
documents). Each signature must verify with all three, and fail with one bit flipped.

    oracle_check.py SIGNATURES.json OPENSSL_CONF

SIGNATURES.json: [{"name", "pub_le", "signed", "sig_kz"}] in hex. Prints one line per check;
exits 0 only when every check holds.
"""
import json, os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, 'fixtures', 'kz-gost', 'check')
sys.path.insert(0, CHECK)
from kzgost import streebog512, verify_kz  # noqa: E402  (gostcrypto)
import ecmath  # noqa: E402
from ossl_xcheck import ossl_verify  # noqa: E402

A = dict((k.strip(), v.strip()) for k, v in (l.split('=', 1) for l in open(
    os.path.join(HERE, 'fixtures', 'kz-gost', 'vectors', 'paramSetA_512.txt'))
    if '=' in l and not l.startswith('#')))
P, AA, Q = int(A['p'], 16), int(A['a'], 16), int(A['q'], 16)
G = (int(A['Gx'], 16), int(A['Gy'], 16))


def by_ecmath(pub, digest, sig):
    key = (int.from_bytes(pub[:64], 'little'), int.from_bytes(pub[64:], 'little'))
    r, s = int.from_bytes(sig[:64], 'little'), int.from_bytes(sig[64:], 'little')
    return ecmath.verify(int.from_bytes(digest, 'little'), r, s, key, G, AA, P, Q)


def main():
    items = json.load(open(sys.argv[1]))
    conf = sys.argv[2]
    failures = 0
    for it in items:
        pub, signed, sig = (bytes.fromhex(it[k]) for k in ('pub_le', 'signed', 'sig_kz'))
        digest = streebog512(signed)
        flipped = bytearray(sig)
        flipped[5] ^= 0x04
        flipped = bytes(flipped)
        results = {
            'gostcrypto': (verify_kz(pub, digest, sig), not verify_kz(pub, digest, flipped)),
            'ecmath': (by_ecmath(pub, digest, sig), not by_ecmath(pub, digest, flipped)),
            'openssl': ('Verified Successfully' in ossl_verify(pub, digest, sig, conf),
                        'Verified Successfully' not in ossl_verify(pub, digest, flipped, conf)),
        }
        for who, (good, bad_refused) in results.items():
            ok = good and bad_refused
            failures += 0 if ok else 1
            print(f"{'OK  ' if ok else 'FAIL'} {who:10} {it['name']}")
    print(f'FAILURES: {failures}')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
