#!/usr/bin/python3
"""The hosted-domain data of scripts/bench-scale.sh, in the formats an ISP already has:

  keys/rsaN.pem        a handful of RSA-2048 keys (--keys), mode 0600, shared by all domains
  KeyTable             OpenDKIM KeyTable: one entry per domain, "kI hostedI.example:s2026:./keys/rsa(I%K).pem"
  SigningTable         OpenDKIM SigningTable (file: form): "hostedI.example kI"
  SigningTable.re      the same as refile: patterns, "*@hostedI.example kI"
  sender_login         Postfix smtpd_sender_login_maps texthash source: --logins lines
                       "userJ@hosted(J%D).example loginJ"
  senders              --senders lines "loginJ userJ@hosted(J%D).example" for bench/milter_load,
                       spread over the whole map (and so over every part of the tables)

  gen_scale_data.py OUT [--domains 100000] [--logins 1000000] [--keys 4] [--senders 20000]
"""
import argparse
import os
import random
import subprocess


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--domains", type=int, default=100000)
    ap.add_argument("--logins", type=int, default=1000000)
    ap.add_argument("--keys", type=int, default=4)
    ap.add_argument("--senders", type=int, default=20000)
    a = ap.parse_args()
    os.makedirs(os.path.join(a.out, "keys"), mode=0o700, exist_ok=True)
    os.chmod(a.out, 0o700)
    for k in range(a.keys):
        path = os.path.join(a.out, "keys", f"rsa{k}.pem")
        if not os.path.exists(path):
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                            "-out", path], check=True, stderr=subprocess.DEVNULL)
        os.chmod(path, 0o600)
    with open(os.path.join(a.out, "KeyTable"), "w") as kt, \
         open(os.path.join(a.out, "SigningTable"), "w") as st, \
         open(os.path.join(a.out, "SigningTable.re"), "w") as re_:
        for i in range(a.domains):
            kt.write(f"k{i} hosted{i}.example:s2026:./keys/rsa{i % a.keys}.pem\n")
            st.write(f"hosted{i}.example k{i}\n")
            re_.write(f"*@hosted{i}.example k{i}\n")
    with open(os.path.join(a.out, "sender_login"), "w") as lm:
        lm.write("# smtpd_sender_login_maps: the owners of each sender address\n")
        for j in range(a.logins):
            lm.write(f"user{j}@hosted{j % a.domains}.example login{j}\n")
    rng = random.Random(7)
    with open(os.path.join(a.out, "senders"), "w") as s:
        for _ in range(a.senders):
            j = rng.randrange(a.logins)
            s.write(f"login{j} user{j}@hosted{j % a.domains}.example\n")


if __name__ == "__main__":
    main()
