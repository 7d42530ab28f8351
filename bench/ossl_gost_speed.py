#!/usr/bin/env python3
"""GOST R 34.10-2012 512-bit (paramSetA) verifications per second on one core through OpenSSL's
libcrypto with Debian's gost engine (libengine-gost-openssl): the figure Otinish's own GOST
verification is compared with in the same run (bench/run). Prints one JSON line.

A throwaway key is made with the `openssl` command; a digest is signed once and verified in a
loop through EVP_PKEY_verify, as the engine's users do. Written for this project after the
fixture set's check/ossl_speed.py."""
import ctypes, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.join(HERE, "..", "crates", "pki", "tests", "fixtures", "kz-gost", "openssl-gost", "gost.cnf")
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0

def out(**kw):
    print(json.dumps({"figure": "gost_verify_openssl", **kw}))

if not os.path.exists("/usr/lib/x86_64-linux-gnu/engines-3/gost.so"):
    out(missing="OpenSSL's gost engine is not installed (apt-get install libengine-gost-openssl)")
    sys.exit(0)
os.environ["OPENSSL_CONF"] = CONF
with tempfile.TemporaryDirectory() as d:
    key_path = os.path.join(d, "key.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "gost2012_512", "-pkeyopt", "paramset:A",
                    "-out", key_path], check=True, capture_output=True)
    pem = open(key_path, "rb").read()
lib = ctypes.CDLL("libcrypto.so.3")
lib.OPENSSL_init_crypto(ctypes.c_uint64(0x40), None)  # OPENSSL_INIT_LOAD_CONFIG
c_p = ctypes.c_void_p
for n, rt, at in [("BIO_new_mem_buf", c_p, [c_p, ctypes.c_int]),
                  ("PEM_read_bio_PrivateKey", c_p, [c_p, c_p, c_p, c_p]),
                  ("EVP_PKEY_CTX_new", c_p, [c_p, c_p]),
                  ("EVP_PKEY_sign_init", ctypes.c_int, [c_p]),
                  ("EVP_PKEY_sign", ctypes.c_int, [c_p, c_p, ctypes.POINTER(ctypes.c_size_t), c_p, ctypes.c_size_t]),
                  ("EVP_PKEY_verify_init", ctypes.c_int, [c_p]),
                  ("EVP_PKEY_verify", ctypes.c_int, [c_p, c_p, ctypes.c_size_t, c_p, ctypes.c_size_t])]:
    f = getattr(lib, n); f.restype = rt; f.argtypes = at
key = lib.PEM_read_bio_PrivateKey(lib.BIO_new_mem_buf(pem, len(pem)), None, None, None)
if not key:
    out(missing="the gost engine did not load")
    sys.exit(0)
digest = ctypes.create_string_buffer(os.urandom(64), 64)
sig = ctypes.create_string_buffer(256)
siglen = ctypes.c_size_t(256)
ctx = lib.EVP_PKEY_CTX_new(key, None)
assert lib.EVP_PKEY_sign_init(ctx) == 1
assert lib.EVP_PKEY_sign(ctx, sig, ctypes.byref(siglen), digest, 64) == 1
vctx = lib.EVP_PKEY_CTX_new(key, None)
assert lib.EVP_PKEY_verify_init(vctx) == 1
n = 0
start = time.perf_counter()
while time.perf_counter() - start < SECONDS:
    for _ in range(50):
        assert lib.EVP_PKEY_verify(vctx, sig, siglen.value, digest, 64) == 1
    n += 50
elapsed = time.perf_counter() - start
version = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
out(per_second_one_core=n / elapsed, openssl=version, engine="Debian libengine-gost-openssl")
