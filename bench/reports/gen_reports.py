#!/usr/bin/python3
"""Writes synthetic DMARC aggregate reports as large receivers send them, for the ingest
benchmark (scripts/bench-reports.sh, bench/reports_ingest_bench.cpp, bench/reports/baseline.py).

Each report is an RFC 7489 Appendix C document, indented as Google's and Microsoft's are, with
100-600 <record>s from a mix of sources (the domain's own servers, an ESP signing with its own
d=, forwarders, spoofers), compressed as receivers send them: gzip (most) or zip (one member).
Compressed sizes land in 2-20 KB. Deterministic for a given --seed.

    gen_reports.py --out DIR [--reports N] [--seed S] [--min-rows A --max-rows B]

Prints one line: files, records and messages written (the totals the benchmark checks).
"""
import argparse
import gzip
import io
import os
import random
import zipfile

ORGS = [
    ("google.com", "noreply-dmarc-support@google.com"),
    ("Outlook.com", "dmarcreport@microsoft.com"),
    ("Yahoo", "dmarchelp@yahooinc.com"),
    ("Mail.Ru", "dmarc_support@corp.mail.ru"),
    ("comcast.net", "dmarc_ag@comcast.net"),
    ("GMX", "noreply-dmarc@gmx.net"),
]


def record(rng, domain):
    kind = rng.random()
    if kind < 0.55:  # our own servers: aligned DKIM and SPF
        ip = "198.51.100.%d" % rng.randint(1, 40)
        dkim = [(domain, "s2026", "pass")]
        spf = (domain, "pass")
        ev = ("none", "pass", "pass")
    elif kind < 0.75:  # an ESP signing with its own d=, its own bounce domain
        ip = "203.0.113.%d" % rng.randint(1, 250)
        dkim = [("esp-mail.example", "k1", "pass")]
        spf = ("bounces.esp-mail.example", "pass")
        ev = ("none", "fail", "fail")
    elif kind < 0.85:  # forwarded: our signature broken, the forwarder's SPF
        ip = "%d.%d.%d.%d" % (rng.randint(11, 90), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        dkim = [(domain, "s2026", "fail"), ("forwarder.example", "fw", "pass")]
        spf = ("forwarder.example", "pass")
        ev = ("none", "fail", "fail")
    else:  # spoofing
        ip = "%d.%d.%d.%d" % (rng.randint(100, 220), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        dkim = []
        spf = (domain, rng.choice(["fail", "softfail", "none"]))
        ev = ("none", "fail", "fail")
    count = rng.choice([1, 1, 1, 2, 3, 5, 8, 13, 40, 200])
    out = ["  <record>\n    <row>\n      <source_ip>%s</source_ip>\n      <count>%d</count>\n" % (ip, count),
           "      <policy_evaluated>\n        <disposition>%s</disposition>\n        <dkim>%s</dkim>\n"
           "        <spf>%s</spf>\n      </policy_evaluated>\n    </row>\n" % ev,
           "    <identifiers>\n      <header_from>%s</header_from>\n    </identifiers>\n" % domain,
           "    <auth_results>\n"]
    for d, s, r in dkim:
        out.append("      <dkim>\n        <domain>%s</domain>\n        <result>%s</result>\n"
                   "        <selector>%s</selector>\n      </dkim>\n" % (d, r, s))
    out.append("      <spf>\n        <domain>%s</domain>\n        <result>%s</result>\n      </spf>\n" % spf)
    out.append("    </auth_results>\n  </record>\n")
    return "".join(out), count


def report(rng, index, domain, rows):
    org, email = ORGS[index % len(ORGS)]
    begin = 1764547200 + 86400 * (index // len(ORGS) % 30)
    head = ('<?xml version="1.0" encoding="UTF-8" ?>\n<feedback>\n  <report_metadata>\n'
            "    <org_name>%s</org_name>\n    <email>%s</email>\n    <report_id>%d%08d</report_id>\n"
            "    <date_range>\n      <begin>%d</begin>\n      <end>%d</end>\n    </date_range>\n"
            "  </report_metadata>\n  <policy_published>\n    <domain>%s</domain>\n    <adkim>r</adkim>\n"
            "    <aspf>r</aspf>\n    <p>none</p>\n    <sp>none</sp>\n    <pct>100</pct>\n"
            "  </policy_published>\n" % (org, email, rng.randint(10**9, 10**10), index, begin, begin + 86399, domain))
    body, messages = [], 0
    for _ in range(rows):
        text, count = record(rng, domain)
        body.append(text)
        messages += count
    return head + "".join(body) + "</feedback>\n", messages


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-rows", type=int, default=120)
    ap.add_argument("--max-rows", type=int, default=1000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    records = messages = 0
    for i in range(args.reports):
        rows = rng.randint(args.min_rows, args.max_rows)
        xml, n = report(rng, i, "example.com", rows)
        records += rows
        messages += n
        name = "report-%06d.xml" % i
        data = xml.encode()
        if i % 10 < 7:
            with open(os.path.join(args.out, name + ".gz"), "wb") as f:
                # mtime 0: the same seed writes the same bytes
                f.write(gzip.compress(data, compresslevel=6, mtime=0))
        else:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
            with open(os.path.join(args.out, name[:-4] + ".zip"), "wb") as f:
                f.write(buf.getvalue())
    print("files %d records %d messages %d" % (args.reports, records, messages))


if __name__ == "__main__":
    main()
