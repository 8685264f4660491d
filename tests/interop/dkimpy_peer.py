#!/usr/bin/python3
"""dkimpy (Debian python3-dkim) as an interop peer for tests/interop/dkim_interop_test.cpp.

  dkimpy_peer.py verify RECORDS MSG...
      Verifies every DKIM-Signature of each MSG with dkim.DKIM.verify, answering key queries
      from RECORDS ("<name> <TXT value>" per line) instead of DNS. Prints one line per
      signature: "<MSG>\t<index>\tpass|fail\t<dkimpy's reason>".
  dkimpy_peer.py sign KEY ALGORITHM HEADER/BODY DOMAIN SELECTOR MSG...
      Signs each MSG with dkim.sign and writes MSG.signed (the new field, then MSG as it was).
      KEY is a PEM RSA key, or for ed25519-sha256 the base64 32-byte seed (dkimpy's format).

Run with /usr/bin/python3: the Debian modules (dkim, nacl) live there.
"""
import io
import logging
import re
import sys

import dkim


def load_records(path):
    records = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            if line and not line.startswith(b"#"):
                name, _, value = line.partition(b" ")
                records[name.lower().rstrip(b".")] = value
    return records


def verify(records_path, messages):
    records = load_records(records_path)

    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return records.get(name.lower().rstrip(b"."))

    for path in messages:
        with open(path, "rb") as f:
            message = f.read()
        header_section = re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0]
        count = len(re.findall(rb"(?im)^DKIM-Signature[ \t]*:", header_section))
        if count == 0:
            print(f"{path}\t-\tnone\tno DKIM-Signature")
        for idx in range(count):
            log = io.StringIO()
            logger = logging.getLogger(f"dkimpy-peer-{path}-{idx}")
            logger.addHandler(logging.StreamHandler(log))
            logger.setLevel(logging.DEBUG)
            try:
                ok = dkim.DKIM(message, logger=logger, minkey=1024).verify(idx=idx, dnsfunc=dnsfunc)
                reason = "" if ok else log.getvalue().strip().splitlines()[-1:]
            except Exception as e:  # dkimpy raises for malformed input
                ok, reason = False, [f"{type(e).__name__}: {e}"]
            print(f"{path}\t{idx}\t{'pass' if ok else 'fail'}\t{' '.join(reason)}")


def sign(key_path, algorithm, canon, domain, selector, messages):
    with open(key_path, "rb") as f:
        key = f.read().strip()
    header_canon, body_canon = canon.encode().split(b"/")
    for path in messages:
        with open(path, "rb") as f:
            message = f.read()
        field = dkim.sign(message, selector.encode(), domain.encode(), key,
                          canonicalize=(header_canon, body_canon),
                          signature_algorithm=algorithm.encode())
        with open(path + ".signed", "wb") as f:
            f.write(field + message)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 8 and sys.argv[1] == "sign":
        sign(*sys.argv[2:7], sys.argv[7:])
    else:
        sys.exit(__doc__)
