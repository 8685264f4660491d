#!/usr/bin/python3
"""Seeds tests/fuzz/corpus/<target>/ from the project's test data, the RFC examples and
../shared/conformance (DKIM corpora, the SPF YAML suites' records and zone data, DMARC
records). Run once when a target is added; scripts/fuzz.sh then merges (minimizes) what the
fuzzer finds into the same folders. Existing files are kept; a seed is named by its hash."""
import glob
import hashlib
import os
import re
import struct
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "conformance")
CORPUS = os.path.join(HERE, "corpus")


def add(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def messages():
    paths = glob.glob(os.path.join(ROOT, "tests/data/**/*.eml"), recursive=True)
    paths += glob.glob(os.path.join(ROOT, "examples/*.eml"))
    paths += glob.glob(os.path.join(SHARED, "dkim/**/*.txt"), recursive=True)
    paths += glob.glob(os.path.join(SHARED, "dkim/**/*.eml"), recursive=True)
    paths += glob.glob(os.path.join(SHARED, "dkim/**/*.msg"), recursive=True)
    paths += glob.glob(os.path.join(SHARED, "dkim/dkimpy/data/*message*"))
    out = []
    for p in sorted(paths):
        data = read(p)
        if b":" in data[:200] and b"LICENSE" not in p.encode() and len(data) < 64 * 1024:
            out.append(data)
    return out


def header_fields(msg):
    """The header fields of a message, each with its continuation lines."""
    head = re.split(rb"\r?\n\r?\n", msg, maxsplit=1)[0]
    fields = []
    for line in re.split(rb"(?<=\n)", head):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        elif line:
            fields.append(line)
    return fields


def field_values(msgs, name):
    out = []
    for m in msgs:
        for f in header_fields(m):
            n, _, v = f.partition(b":")
            if n.strip().lower() == name:
                out.append(v.rstrip(b"\r\n"))
    return out


def spf_suites():
    docs = []
    for p in ["spf/rfc7208-tests.yml", "spf/rfc4408-tests.yml"]:
        docs += [d for d in yaml.safe_load_all(open(os.path.join(SHARED, p))) if d]
    return docs


def zone_lines(zonedata):
    lines = []
    for name, records in (zonedata or {}).items():
        for r in records:
            if r == "TIMEOUT":
                lines.append(f"{name} TEMPFAIL")
                continue
            if not isinstance(r, dict):
                continue
            for t, v in r.items():
                if t in ("SPF", "TXT"):
                    v = "".join(v) if isinstance(v, list) else v
                    if v != "NONE":
                        lines.append(f"{name} TXT {v}")
                elif t in ("A", "AAAA", "PTR", "CNAME"):
                    lines.append(f"{name} {t} {v}")
                elif t == "MX":
                    lines.append(f"{name} MX {v[0]} {v[1]}")
    return lines


def milter_packets():
    """Milter sessions as Postfix sends them (libmilter/mfdef.h), and broken ones, each with the
    limit byte of fuzz_milter_packet first."""
    def pkt(cmd, data=b""):
        return struct.pack(">I", len(data) + 1) + cmd + data
    def macros(stage, pairs):
        return pkt(b"D", stage + b"".join(k + b"\0" + v + b"\0" for k, v in pairs))
    session = (pkt(b"O", struct.pack(">III", 6, 0x1ff, 0x1fffff))
               + macros(b"C", [(b"j", b"mx.example.net"), (b"{daemon_name}", b"submission")])
               + pkt(b"C", b"client.example\0" + b"4" + struct.pack(">H", 25000) + b"192.0.2.7\0")
               + pkt(b"H", b"client.example\0")
               + macros(b"M", [(b"{auth_authen}", b"alice@example.com"), (b"i", b"4Ab12")])
               + pkt(b"M", b"<alice@example.com>\0SIZE=1000\0")
               + pkt(b"R", b"<bob@example.org>\0")
               + pkt(b"T") + macros(b"L", [(b"i", b"4Ab12")])
               + pkt(b"L", b"From\0 Alice <alice@example.com>\0") + pkt(b"L", b"Subject\0 hi\0")
               + pkt(b"N") + pkt(b"B", b"Hello\r\n") + macros(b"E", []) + pkt(b"E"))
    for limit in (b"\0", b"\1"):
        add("milter_packet", limit + session)
        add("milter_packet", limit + session + pkt(b"A") + pkt(b"Q"))
    broken = [pkt(b"O", b"\0" * 11), pkt(b"D", b"Mi\0"), pkt(b"D", b"Mi"), pkt(b"C", b"host"),
              pkt(b"C", b"host\0U"), pkt(b"C", b"host\06\0\x19::1"), pkt(b"H", b"a\0b\0"),
              pkt(b"L", b"\0value\0"), pkt(b"L", b"name\0value"), pkt(b"B"), pkt(b"N", b"x"),
              pkt(b"X", b"\0"), pkt(b"K"), b"\0\0\0\0M", struct.pack(">I", 70000) + b"B",
              struct.pack(">I", 100) + b"B" + b"x" * 10, b"\0\0"]
    for b in broken:
        add("milter_packet", b"\0" + pkt(b"O", struct.pack(">III", 6, 0x1ff, 0)) + b)
    add("milter_packet", b"\1" + pkt(b"B", b"x" * 80))


def lifecycle_seeds():
    """TSIG key files, lifecycle state files and dnsauth.toml texts for the key lifecycle's
    parsers (fuzz_tsig_key, fuzz_lifecycle_state, fuzz_selector_edit), each with its target's
    option byte first."""
    secret = "4WnBkQz7W5cZ0b9zGd0xSmfYkD3xqQfN7bPlx9rbBDo="
    bind = [f'key "tsig-key.example." {{\n\talgorithm hmac-sha256;\n\tsecret "{secret}";\n}};\n',
            f'// ddns-confgen\nkey "ddns-key.Example.COM" {{ algorithm HMAC-SHA512; secret "{secret}"; }};\n'
            'zone "example.com" { type primary; file "/var/lib/bind/example.com"; update-policy { grant ddns-key.example.com zonesub ANY; }; };\n',
            f'/* old */ key old {{ algorithm hmac-md5; secret "{secret}"; }};\n# new\nkey "tsig-key.example" {{ algorithm hmac-sha384; secret "{secret[:20]}\n  {secret[20:]}"; }};\n',
            f'options {{ directory "/var/cache/bind"; }};\nkey "k" {{ algorithm hmac-sha1; secret "{secret}"; }};\n',
            f'key "k" {{ algorithm hmac-sha224; secret ""; }};\n', 'key "k" { secret "=="; };\n']
    knot = [f'key:\n  - id: tsig-key.example.\n    algorithm: hmac-sha256\n    secret: {secret}\n',
            f'# keymgr -t\nserver:\n    listen: 0.0.0.0@53\nkey:\n  - id: "old"\n    algorithm: hmac-md5\n    secret: {secret}\n'
            f'  - id: \'tsig-key.example\'\n    algorithm: hmac-sha512 # strong\n    secret: "{secret}"\nremote:\n  - id: primary\n    key: old\n',
            'key:\n  - id: k\n    secret: not base64!\n']
    private = [f'Private-key-format: v1.3\nAlgorithm: 163 (HMAC_SHA256)\nKey: {secret}\nBits: AAA=\nCreated: 20260101000000\n',
               f'Private-key-format: v1.2\nAlgorithm: 157 (HMAC_MD5)\nKey: {secret}\n',
               f'Private-key-format: v1.3\nAlgorithm: 165 (HMAC_SHA512)\nKey: {secret}\n']
    for t in bind + knot:
        add("tsig_key", b"\0" + t.encode())
        add("tsig_key", b"\1tsig-key.EXAMPLE.\0" + t.encode())
    for t in private:
        add("tsig_key", b"\2" + t.encode())
        add("tsig_key", b"\3tsig-key.example\0" + t.encode())

    times = ["staged_at", "published_at", "served_at", "active_at", "retired_at", "revoked_at", "removed_at"]
    stages = ["staged", "published", "active", "retired", "revoked", "removed"]
    entries = []
    for i, stage in enumerate(stages):
        have = times[:i + 2] if i else times[:1]
        lines = [f'domain = "example.com"', f'selector = "s{i}"', f'stage = "{stage}"',
                 'algorithm = "ed25519-sha256"' if i % 2 else f'bits = {1024 * (1 + i % 4)}',
                 f'key = "{"/var/lib/dnsauth/keys/" if i % 3 else "keys/"}example.com.s{i}.pem"']
        if i == 2:
            lines.append('replaces = "s0"')
        lines += [f"{t} = 2026-0{1 + j}-05T04:00:0{j}Z" if j % 2 else f"{t} = 2026-12-0{1 + j}T04:00:00+02:00"
                  for j, t in enumerate(have) if not (stage == "active" and t == "published_at")]
        entries.append("[[selector]]\n" + "\n".join(lines) + "\n")
    header = "# dnsauth-publish key lifecycle state\n"
    add("lifecycle_state", header + "\n".join(entries))
    for e in entries:
        add("lifecycle_state", e)
    add("lifecycle_state", "")
    add("lifecycle_state", 'selector = [{ domain = "Example.ORG", selector = "A", stage = "published", key = "k.pem", published_at = 1979-05-27T07:32:00 }]\n')
    add("lifecycle_state", entries[1].replace("published_at", "served_at"))  # published without its time

    tomls = [
        '[signer]\nkey_dir = "keys"\n\n[[domain]]\nname = "example.com"\n\n[[domain.selector]]\nname = "s1"\n'
        'key = "example.com.s1.pem"  # rotated in 2025\nalgorithm = "rsa-sha256"\nbits = 2048\n\n'
        '[[domain]]\nname = "example.org"\n[[domain.selector]]\nname = "s1"\n[[domain.selector]]\nname = "sel2025"\nkey = \'/etc/dnsauth/org.pem\'\n',
        '[[domain]]\nname = "EXAMPLE.com"\nselector = [\n  { name = "s1", key = "k1.pem", algorithm = "ed25519-sha256" },\n  { name = "mail", key = "k2.pem" },\n]\n'
        '[[domain]]\nname = "sub.example.net"\nselector = [{ name = "S1" }]\n',
        '[[domain]]\n  name = "example.com"\n  [[domain.selector]]\n    key = "before.pem"\n    name = "s1"\n    testing = true\n'
        '  [domain.dmarc]\n  p = "reject"\n',
        '[[domain]]\nname = "example.com"\n[[domain.selector]]\nname = """s1"""\n',
        '[[domain]]\nname = "example.com"\n[[domain.selector]]\nname = "s1"',
    ]
    for t in tomls:
        for options in (0x00, 0x04, 0x51, 0x9c, 0xe2, 0x23, 0x8d):
            add("selector_edit", bytes([options]) + t.encode())
    for p in [os.path.join(ROOT, "examples/dnsauth.toml")] + glob.glob(os.path.join(ROOT, "conf/*.toml")):
        add("selector_edit", b"\0" + read(p))


def dmarc_report_seeds():
    """DMARC aggregate reports (RFC 7489 Appendix C, DMARCbis aggregate reporting): the shared
    samples under 64 KiB (libFuzzer's -max_len), the head of a large one, and the hostile shapes
    the parser refuses or reads specially (DTD, entities, CDATA, prefixes, UTF-16)."""
    dmarc = os.path.join(SHARED, "dmarc")
    paths = sorted(glob.glob(os.path.join(dmarc, "stalwart-mail-auth/dmarc-feedback/*.xml")))
    paths += sorted(glob.glob(os.path.join(dmarc, "ietf-wg-dmarc/*.xml")))
    paths += sorted(glob.glob(os.path.join(dmarc, "opendmarc-aggregate-reports/*.xml")))
    small = b""
    for p in paths:
        data = read(p)
        if len(data) < 64 * 1024:
            add("dmarc_report", data)
            if b"002.xml" in p.encode():
                small = data
        else:
            add("dmarc_report", data[:16 * 1024])
    body = small[small.index(b"<feedback>"):]
    add("dmarc_report", b'<!DOCTYPE feedback [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + body.replace(b"google.com", b"&x;", 1))
    add("dmarc_report", body.replace(b"<feedback>", b"<d:feedback xmlns:d='urn:ietf:params:xml:ns:dmarc-2.0'>")
        .replace(b"</feedback>", b"</d:feedback>"))
    add("dmarc_report", body.replace(b"<count>2</count>", b"<count><![CDATA[2]]><!-- c -->0</count>")
        .replace(b"google.com</org_name>", b"A &amp; B &#x263A; &foo;</org_name>"))
    add("dmarc_report", b"\xff\xfe" + body.decode().encode("utf-16-le"))
    add("dmarc_report", body.replace(b"<record>", b"<record><row><a><a><a><a><a><a><a><a></a></a></a></a></a></a></a></a></row>", 1))


def report_inputs_seeds():
    """What a rua= mailbox holds (reports/input.h, reports/mime.h), each with the limits byte
    of fuzz_report_inputs first (0: moderate, 1: tight): the shared report messages, the shared
    XML samples as they are, gzipped (mtime 0) and zipped (a fixed date), the zip shapes the
    reader skips or rejects (folders, links, archives in archives), truncated archives, a small
    gzip bomb, and messages built with the email module: attachments in base64 and
    quoted-printable, message/rfc822, nesting past the tight depth, RFC 2231 parameters."""
    import email.message
    import email.policy
    import gzip
    import io
    import zipfile
    feedback = os.path.join(SHARED, "dmarc", "stalwart-mail-auth", "dmarc-feedback")
    emls = [read(os.path.join(feedback, f"10{i}.eml")) for i in range(5)]
    xmls = [read(os.path.join(feedback, f"00{i}.xml")) for i in range(1, 6)]

    def gz(data):
        return gzip.compress(data, mtime=0)

    def zipped(members):
        """members: (name, bytes) for a file, (name, None) for a folder, (name, "->target") for
        a symbolic link."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
                info.create_system = 3  # Unix, so that the mode in external_attr counts
                if data is None:
                    info.external_attr = (0o40755 << 16) | 0x10
                    z.writestr(info, b"")
                elif isinstance(data, str):
                    info.external_attr = 0o120777 << 16
                    z.writestr(info, data[2:])
                else:
                    info.external_attr = 0o100644 << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, data)
        return out.getvalue()

    def message(subject, parts=None, body="This is an aggregate report.\n"):
        m = email.message.EmailMessage(policy=email.policy.SMTP)
        m["From"] = "noreply-dmarc-support@google.com"
        m["To"] = "dmarc@example.com"
        m["Subject"] = subject
        m["Message-ID"] = f"<{hashlib.sha1(subject.encode()).hexdigest()}@google.com>"
        m.set_content(body)
        for add_part in parts or []:
            add_part(m)
        return m

    def wire(m):
        # Fixed boundaries: the email module would draw random ones, and the seeds would differ.
        for n, part in enumerate(p for p in m.walk() if p.get_content_maintype() == "multipart"):
            part.set_boundary(f"=_report_{n}")
        return m.as_bytes(policy=email.policy.SMTP)

    seeds = []
    for i, e in enumerate(emls):
        seeds.append(bytes([i % 2]) + e)
    for i, x in enumerate(xmls):
        seeds.append(bytes([i % 2]) + x)
        seeds.append(bytes([(i + 1) % 2]) + gz(x))
        seeds.append(bytes([i % 2]) + zipped([(f"google.com!example.com!170000000{i}!170008640{i}.xml", x)]))
    x = xmls[1]
    seeds += [b"\0" + zipped([("a.xml", xmls[0]), ("b.xml", x)]),
              b"\1" + zipped([("reports/", None), ("reports/b.xml", x)]),
              b"\0" + zipped([("a/", None), ("a/b/", None)]),
              b"\0" + zipped([("link.xml", "->/etc/passwd"), ("c.xml", x)]),
              b"\0" + zipped([("inner.zip", zipped([("d.xml", x)]))]),
              b"\1" + zipped([("inner.xml.gz", gz(x))]),
              b"\1" + zipped([(f"m{i}.xml", x) for i in range(6)]),  # past the tight max_members
              b"\0" + zipped([("../../etc/cron.d/x\x01\x7f.xml", x), ("notes.txt", b"not a report")]),
              b"\0" + gz(x)[:len(gz(x)) // 2],
              b"\1" + gz(x)[:-4],
              b"\0" + zipped([("a.xml", x), ("b.xml", xmls[0])])[:300],
              b"\0" + gz(b"\0" * (2 << 20)),
              b"\1" + gz(b"<" + b" " * 20000),
              b"\0" + gz(gz(x)),
              b"\0" + b"\xef\xbb\xbf\r\n " + x,
              b"\1" + b"\xff\xfe" + x.decode().encode("utf-16-le"),
              b"\0" + b"\xfe\xff" + x.decode().encode("utf-16-be"),
              b"\1" + b"\n" * 10 + x + b" " * 4096]

    def attach(data, maintype, subtype, filename, **kw):
        return lambda m: m.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, **kw)

    zip_name = "google.com!example.com!1669507200!1669593599.zip"
    seeds.append(b"\0" + wire(message("Report domain: example.com", [attach(zipped([("r.xml", x)]), "application", "zip", zip_name)])))
    seeds.append(b"\1" + wire(message("Report domain: example.com", [attach(gz(x), "application", "gzip", "r.xml.gz")])))
    seeds.append(b"\0" + wire(message("octet-stream", [attach(gz(x), "application", "octet-stream", "r.gz"),
                                                       attach(x, "application", "octet-stream", "README")])))
    qp = message("quoted-printable")
    qp.add_attachment(x.decode() + "=trailing = signs\t \n", subtype="xml", cte="quoted-printable", filename="r.xml")
    seeds.append(b"\1" + wire(qp))
    inner = message("Report domain: example.org", [attach(gz(xmls[3]), "application", "gzip", "inner.xml.gz")])
    outer = message("Fwd: a report")
    outer.add_attachment(inner)
    seeds.append(b"\0" + wire(outer))
    nested = message("nested", [attach(gz(x), "application", "gzip", "deep.xml.gz")])
    for depth in range(5):  # past the tight max_depth of 3
        wrapper = email.message.EmailMessage(policy=email.policy.SMTP)
        wrapper["Subject"] = f"level {depth}"
        wrapper.make_mixed()
        wrapper.attach(nested)
        nested = wrapper
    seeds.append(b"\1" + wire(nested))
    seeds.append(b"\0" + wire(message("RFC 2231", [attach(x, "text", "xml", ("utf-8", "fr", "rapport \u00e9t\u00e9.xml"))])))
    seeds.append(b"\1" + (b"From: a@example.com\r\nSubject: continuations\r\nMIME-Version: 1.0\r\n"
                          b"Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\npreamble\r\n--=_b\r\n"
                          b"Content-Type: application/gzip; name*0*=us-ascii'en'google.com%21; name*1=\"example.com\";\r\n"
                          b" name*2*=%21x.xml.gz\r\nContent-Disposition: attachment (comment); filename*=''%00%1b.gz\r\n"
                          b"Content-Transfer-Encoding: BASE64\r\n\r\n" + base64_lines(gz(x)) +
                          b"--=_b\r\nContent-Type: text/xml\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n"
                          b"--=_b--\r\nepilogue\r\n"))
    seeds.append(b"\0" + wire(message("no report here", body="Nothing attached.\n")))
    seeds.append(b"\1" + b"From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\n")
    for s in seeds:
        assert len(s) < 64 * 1024, len(s)
        add("report_inputs", s)


def base64_lines(data):
    import base64
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def transport_seeds():
    """MTA-STS TXT records and policies (RFC 8461 3.1, 3.2), TLS-RPT records (RFC 8460 3) and
    BIMI assertion records (draft-brand-indicators-for-message-identification-12 4.3): the
    documents' examples and their edge cases."""
    for r in ["v=STSv1; id=20160831085700Z;", "v=STSv1;id=a", "v=STSv1; id=1; x-ext=a:b/c", "v=STSv1; id=a; id=b",
              "v=STSv1", "v=STSv1; id=2016-08-31", "v=STSv2; id=1", "v=STSv1 ;\tid=" + "9" * 33]:
        add("mta_sts_record", r)
    crlf = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n"
    for p in [crlf, crlf.replace("\r\n", "\n"), "version: STSv1\nmode: none\nmax_age: 0",
              "version: STSv1\r\nmode: testing\r\nmx: a.example\t \r\nmax_age:   31557600\r\nx-note: caf\u00e9\r\nmode: enforce\r\n",
              "version: STSv1\r\n\r\nmode: enforce\r\n", "version: STSv1\r\nmode: enforce\r\nmx: *.*.example.com\r\nmax_age: 12345678901\r\n"]:
        add("mta_sts_policy", p)
    for r in ["v=TLSRPTv1;rua=mailto:reports@example.com", "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt",
              "v=TLSRPTv1; rua=mailto:a@example.com , HTTPS://r.example/x?a=b,ftp://r.example/; x-ext=1;",
              "v=TLSRPTv1; rua=mailto:a@example.com!10m", "v=TLSRPTv1; rua=https://r.example/%2C", "v=TLSRPTv1"]:
        add("tls_rpt_record", r)
    for r in ["v=BIMI1; l=https://images.example.com/logo.svg; a=https://images.example.com/vmc.pem",
              "v = BIMI1 ;l = https://x.example/a.svg ; avp=personal;lps=news-,info ", "v=BIMI1; l=; a=;",
              "v=BIMI1; l=; a=; lps=brand-indicators-;", "v=BIMI1; l=http://x.example/a.png", "v=BIMI1; l=; l="]:
        add("bimi_record", r)


def main():
    only = set(sys.argv[1:])  # seed only these targets (all when none are named)
    if only:
        global add
        seed = add
        add = lambda target, data: seed(target, data) if target in only else None
    milter_packets()
    lifecycle_seeds()
    transport_seeds()
    dmarc_report_seeds()
    report_inputs_seeds()
    msgs = messages()
    options = bytes(12)
    for m in msgs:
        add("mail_message", options + m)
        add("mail_message", b"\x01\x20\x05\x40" + bytes(8) + m)  # small limits
        parts = re.split(rb"\r?\n\r?\n", m, maxsplit=1)
        body = parts[1] if len(parts) > 1 else b""
        for f in header_fields(m)[:3]:
            add("dkim_canonicalize", bytes(11) + f + b"\0" + body)

    sigs = field_values(msgs, b"dkim-signature")
    for s in sigs:
        add("dkim_signature", s)
        add("dkim_tag_list", s)
    keys = []
    for line in read(os.path.join(SHARED, "dkim/mail-dkim/FAKE_DNS.dat")).splitlines():
        if line and not line.startswith(b"#") and b" " in line:
            keys.append(line.split(None, 1)[1])
    for p in glob.glob(os.path.join(SHARED, "dkim/dkimpy/data/*.txt")) + glob.glob(os.path.join(SHARED, "dkim/dkimpy/data/*.dns")):
        data = read(p)
        if b"p=" in data and len(data) < 4096:
            keys.append(data.strip())
    for k in keys:
        add("dkim_key_record", k)
        add("dkim_tag_list", k)

    for v in field_values(msgs, b"from") + field_values(msgs, b"to") + field_values(msgs, b"cc"):
        add("mail_address", re.sub(rb"\r?\n", b"", v).strip())
    for v in [b"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
              b"A Group(Some people):Chris Jones <c@(Chris's host.)public.example>, joe@example.org, John <jdoe@one.test> (my dear friend); (the end of the group)",
              b"\"Joe Q. Public\" <john.q.public@example.com>", b"Undisclosed recipients:;",
              b"Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
              "J\u00f6rg <j\u00f6rg@b\u00fccher.example>".encode(), b"<postmaster@[192.0.2.1]>"]:
        add("mail_address", v)

    for v in field_values(msgs, b"authentication-results"):
        add("authres", b"\0" + v)
    rfc8601 = read(os.path.join(SHARED, "rfc/rfc8601.txt")).decode("utf-8", "replace")
    for m in re.finditer(r"Authentication-Results:(.*(?:\n {10,}.*)*)", rfc8601):
        add("authres", b"\0" + m.group(1).encode())
    add("authres", b"\x01example.com\0dkim\0pass\0good signature\0\0header\x01d\x01example.com")
    add("authres", b"\x07mx\x01x\0spf\0fail\0a\tb\r\nc\0reason\0smtp\x01mailfrom\x01a b@c\x01header\x01i\x01@d")

    macros = set()
    checks = []
    for doc in spf_suites():
        lines = zone_lines(doc.get("zonedata"))
        for l in lines:
            if " TXT " in l:
                rec = l.split(" TXT ", 1)[1]
                add("spf_record", rec)
                macros.update(re.findall(r"[a-z]+[:=](\S*%\S*)", rec))
        for t in doc["tests"].values():
            if "host" in t:
                checks.append(f"{t['host']} {t.get('mailfrom', '')} {t.get('helo', '')}\n" + "\n".join(lines))
    rfc7208 = read(os.path.join(SHARED, "rfc/rfc7208.txt")).decode()
    macros.update(re.findall(r"(%\{[a-zA-Z0-9.+,/_=-]*\}[^\s\"]*)", rfc7208))
    for m in sorted(macros):
        for use in (0, 1, 2):
            add("spf_macro", bytes([use]) + f"{m}\nstrong-bad@email.example.com\nmx.example.org\n192.0.2.3\nmx.example.org".encode())
    add("spf_macro", b"\x02%{i} is not one of %{d}'s designated mail servers. %{c} %{r} %{t} %{p}\nuser@example.com\nhelo.example\n2001:db8::cb01\nunknown")
    # The suites have hundreds of cases; every third keeps the corpus small before -merge=1.
    for c in checks[::3]:
        add("spf_check_host", c)

    dmarc = ["v=DMARC1; p=reject; rua=mailto:dmarc@example.com!10m,https://r.example/x; ruf=mailto:f@example.com; fo=1:d:s; adkim=s; aspf=s; pct=50; sp=quarantine; np=none; psd=n; t=y; ri=3600; rf=afrf",
             "v=DMARC1; p=none", "v=DMARC1;p=quarantine;sp=reject;pct=0", "v=DMARC1; p=rejct; rua=mailto:a@b, mailto:c@d",
             "v=DMARC1; psd=y; p=reject", "v=DMARC1", "v=DMARC1; p=none; rua=mailto:x@[192.0.2.1]"]
    rfc7489 = read(os.path.join(SHARED, "rfc/rfc7489.txt")).decode()
    dmarc += [re.sub(r"\s*\"\s*", "", m) for m in re.findall(r"\"(v=DMARC1[^\"]*)\"", rfc7489)]
    for r in dmarc:
        add("dmarc_record", r)
    for author, zone in [("a.b.example.com", "_dmarc.example.com TXT v=DMARC1; p=reject; sp=quarantine"),
                         ("mail.example.co.uk", "_dmarc.example.co.uk TXT v=DMARC1; p=none\n_dmarc.co.uk TXT v=DMARC1; psd=y; p=reject"),
                         ("x.y.z.w.v.u.t.s.example.org", "_dmarc.example.org TXT v=DMARC1; p=reject; np=quarantine\n_dmarc.s.example.org TEMPFAIL"),
                         ("example.com", "_dmarc.example.com TXT v=DMARC1; p=reject\n_dmarc.example.com TXT v=DMARC1; p=none"),
                         ("sub.example.net", "_dmarc.example.net CNAME _dmarc.example.com\n_dmarc.example.com TXT v=DMARC1; p=quarantine; psd=n")]:
        add("dmarc_discovery", author + "\n" + zone)

    for p in [os.path.join(ROOT, "examples/dnsauth.toml")] + glob.glob(os.path.join(ROOT, "conf/*.toml")):
        add("config", read(p))
    add("config", b"[signer]\nsocket = \"unix:/run/x.sock\"\nheaders = [\"From\", \"To\"]\n[[domain]]\nname = \"example.com\"\nauth = \"map\"\nallow = { \"*\" = [\"noreply@example.com\"] }\n[[domain.selector]]\nname = \"s1\"\nalgorithm = \"ed25519-sha256\"\n[domain.spf]\nip4 = [\"192.0.2.0/24\"]\n[domain.dmarc]\np = \"reject\"\n")

    add("zone", read(os.path.join(SHARED, "dkim/rfc8463-example/dns.zone")))
    add("zone", b"$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns hostmaster 1 7200 3600 1209600 3600\n@ IN TXT \"v=spf1 mx -all\"\n@ IN MX 10 mail\nmail IN A 192.0.2.1\n*.w IN TXT \"wild\"\nloop IN CNAME loop2\nloop2 IN CNAME loop\n_dmarc IN TXT ( \"v=DMARC1; \" \"p=reject\" )\nx.y.z IN AAAA 2001:db8::1\n")
    for p in glob.glob(os.path.join(ROOT, "tests/**/*.zone"), recursive=True):
        add("zone", read(p))


if __name__ == "__main__":
    sys.exit(main())
