#!/usr/bin/python3
"""The straightforward Python baseline for the report ingest benchmark: what an operator would
write with Debian's python3 alone -- xml.etree.ElementTree over gzip/zipfile, sqlite3 into the
same schema as dnsauth (reports/schema.sql), one transaction per report, a report already
stored (org_name, report_id) skipped. Run by scripts/bench-reports.sh on the same files as
dnsauth-validate reports ingest.

    baseline.py --db FILE --schema reports/schema.sql FILE...

Prints one line: "rows R reports N cpu S rows_per_cpu_s X", CPU seconds of this process
(time.process_time: user + system), the same measure the benchmark uses for dnsauth.
"""
import argparse
import gzip
import sqlite3
import time
import xml.etree.ElementTree as ET
import zipfile


def documents(path):
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as f:
            yield f.read()
    elif head == b"PK\x03\x04":
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                yield z.read(name)
    else:
        with open(path, "rb") as f:
            yield f.read()


def text(node, path, default=""):
    found = node.find(path)
    return found.text.strip() if found is not None and found.text else default


def ingest(db, xml, source, now):
    root = ET.fromstring(xml)
    meta, pol = root.find("report_metadata"), root.find("policy_published")
    org, rid = text(meta, "org_name"), text(meta, "report_id")
    with db:
        if db.execute("SELECT 1 FROM reports WHERE org_name = ? AND report_id = ?", (org, rid)).fetchone():
            return 0
        pct = text(pol, "pct")
        cur = db.execute(
            "INSERT INTO reports (org_name, report_id, email, schema, date_begin, date_end, domain, adkim, aspf,"
            " p, sp, pct, source, ingested_at) VALUES (?, ?, ?, 'rfc7489', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (org, rid, text(meta, "email"), int(text(meta, "date_range/begin")), int(text(meta, "date_range/end")),
             text(pol, "domain").lower(), text(pol, "adkim"), text(pol, "aspf"), text(pol, "p"), text(pol, "sp"),
             int(pct) if pct else None, source, now))
        report = cur.lastrowid
        rows = 0
        for rec in root.iter("record"):
            row, ev = rec.find("row"), rec.find("row/policy_evaluated")
            cur = db.execute(
                "INSERT INTO records (report, source_ip, count, disposition, dkim, spf, header_from, envelope_from)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (report, text(row, "source_ip"), int(text(row, "count")), text(ev, "disposition"), text(ev, "dkim"),
                 text(ev, "spf"), text(rec, "identifiers/header_from").lower(),
                 text(rec, "identifiers/envelope_from")))
            record = cur.lastrowid
            for ordinal, res in enumerate(rec.find("auth_results") or []):
                db.execute(
                    "INSERT INTO auth_results (record, ordinal, kind, domain, selector, scope, result)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (record, ordinal, res.tag, text(res, "domain").lower(), text(res, "selector"),
                     text(res, "scope"), text(res, "result")))
            rows += 1
        return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    start = time.process_time()
    db = sqlite3.connect(args.db, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    with open(args.schema) as f:
        db.executescript(f.read())
    db.isolation_level = ""  # `with db:` opens and commits one transaction per report
    rows = reports = 0
    now = int(time.time())
    for path in args.files:
        for xml in documents(path):
            n = ingest(db, xml, path, now)
            rows += n
            reports += 1
    cpu = time.process_time() - start
    print("rows %d reports %d cpu %.3f rows_per_cpu_s %.0f" % (rows, reports, cpu, rows / cpu if cpu else 0))


if __name__ == "__main__":
    main()
