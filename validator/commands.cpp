#include "validator/commands.h"

namespace dnsauth::validator {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"message",
       "message [MSG|-] [--client-ip IP --mail-from ADDR --helo NAME] [--authserv-id ID]\n"
       "      (--zone FILE... | --resolver ADDR[:PORT]) [--json]",
       "Authenticates one message as a receiver would: verifies every DKIM signature (RFC 6376), "
       "evaluates SPF for the MAIL FROM identity when --client-ip is given (RFC 7208), and "
       "evaluates DMARC (RFC 9989 by default; --dmarc-mode rfc7489 for the Public Suffix List, "
       "pct= and no tree walk). Prints the Authentication-Results field (RFC 8601), preceded by "
       "Received-SPF when SPF ran, ready to prepend to the message; --json prints one JSON object "
       "with every reason and every DNS answer used. Exit 0 when DMARC passes (or, when the "
       "Author Domain has no DMARC record, when some DKIM or SPF result passes), 1 otherwise "
       "(DMARC fail, temperror, permerror, or nothing passed), 2 for a usage or input error.",
       message_options, run_message},
      {"spf",
       "spf --ip IP --mail-from ADDR [--helo NAME] [--identity mailfrom|helo]\n"
       "      (--zone FILE... | --resolver ADDR[:PORT]) [--json]",
       "Evaluates SPF (RFC 7208) for one SMTP transaction: check_host() for the MAIL FROM identity "
       "(postmaster@HELO when MAIL FROM is empty) or the HELO identity. Prints the Received-SPF "
       "header field (RFC 7208 9.1) and the result; --json prints one JSON object instead, with the "
       "mechanism matched, the DNS lookups made (the limit of RFC 7208 4.6.4 is 10) and the void "
       "lookups (limit 2). DNS comes from zone files (offline), from one server, or from the system "
       "resolver when neither is given. Exit 0 when the result is pass, 1 for any other result "
       "(none, neutral, fail, softfail, temperror, permerror), 2 for a usage or input error.",
       spf_options, run_spf},
      {"selftest",
       "selftest --config FILE (--zone FILE... | --resolver ADDR[:PORT]) [--json]",
       "Proves a deployment before and after it goes live: for every domain and selector of the "
       "config, the published DKIM key exists, parses and matches the private key file; a "
       "synthetic message from a user the domain's auth mode allows, signed through the signer's "
       "own policy and signing path, verifies against the published record with d= aligned with "
       "From; every configured ip4/ip6 network gets spf=pass for the domain's MAIL FROM and for "
       "each HELO name, and an address outside them does not; the DMARC record exists and both "
       "identifiers align under its adkim/aspf; the lint catalog reports no error. Prints a "
       "checklist per domain with the Authentication-Results line a receiver would write for each "
       "scenario. Exit 0 when every check passes, 1 when one fails, 2 for a usage or input error "
       "(an unreadable config, key or zone file).",
       selftest_options, run_selftest_command},
      {"reports ingest",
       "reports ingest --db FILE PATH... [--json]",
       "Reads DMARC aggregate reports (RFC 7489 7.2 and Appendix C, and the DMARCbis schema) as "
       "receivers send them to a rua= address and stores them in the report database: XML files, "
       "gzip and zip archives, mail messages with the report attached (base64 or quoted-printable), "
       "and folders of them, Maildirs included (cur/ and new/, and their subfolders); what a file "
       "is, is told by its content. A report already stored (the same org_name and report_id) "
       "counts as a duplicate and is not stored again, so a second run over the same Maildir adds "
       "nothing. An input that gives no report, or a report that does not parse, is recorded in "
       "the database with its reason and listed; the run goes on. Archives are read within limits "
       "(64 MiB per file and per report, 1000 times the compressed size, 256 MiB per archive, "
       "1000 members, one level of compression), and archive member names are never used as "
       "paths. Prints a summary line and each rejected input with its reason; --json prints "
       "{read, stored, duplicates, rejected: [{path, reason}]}. Exit 0 when every input gave "
       "reports that were stored or were duplicates, 1 when something was rejected (the rest was "
       "stored), 2 for a usage error or a database that cannot be opened or written.",
       reports_ingest_options, run_reports_ingest},
      {"reports summary",
       "reports summary --db FILE --domain D [--since DATE] [--until DATE] [--json]",
       "Summarizes the DMARC aggregate reports of the database for domain D (the records of reports "
       "about the policy of D or of a subdomain, and those whose From domain is D or a subdomain; reports "
       "whose date range begins in --since..--until, UTC days): "
       "messages reported, DMARC pass and fail, DKIM and SPF alignment, the receivers' dispositions, "
       "by sending source (IP, with the DKIM d=/s= and SPF domains reported for it), by reporting "
       "organization and by day; every number is a sum of the records' counts. --json prints one JSON "
       "object. Exit 0 when there are reports, 1 when there is none for D in the period, 2 for a usage "
       "or input error (a database that does not exist or cannot be read).",
       reports_summary_options, run_reports_summary},
      {"reports advise",
       "reports advise --db FILE --config FILE --domain D [--since DATE] [--until DATE]\n"
       "      [--threshold PCT] [--json]",
       "Says whether domain D can take its next DMARC policy step (none, quarantine, reject; pct= or "
       "t=y steps where dnsauth.toml uses them) from the reports of the last 30 days (or --since/--until): "
       "every source failing DMARC, with its messages, classified against the config -- ours but "
       "missing from [domain.spf], SPF not published as configured, our selector failing (key "
       "mismatch), an unknown selector of our domain, not aligned, third-party senders, forwarders, "
       "and unknown sources that are probably spoofing -- with the config change that fixes each class "
       "where there is one; then the verdict: the share of legitimate mail (all but the spoofing class) "
       "still failing, against --threshold, and the change to [domain.dmarc] for the step. Exit 0 when "
       "the step is safe (or there is no further step), 1 when it is not yet safe or there are no "
       "reports, 2 for a usage or input error.",
       reports_advise_options, run_reports_advise},
      {"reports html",
       "reports html --db FILE --domain D --out FILE [--since DATE] [--until DATE]",
       "Writes one self-contained HTML page about domain D's reports (inline CSS and SVG, no script, "
       "nothing fetched): the totals, charts of the daily volume passing and failing DMARC, of the top "
       "failing sources and of DKIM/SPF alignment and DMARC pass by receiver, and the tables of "
       "reports summary. Exit 0 when the page was written, 1 when it was written but there are no "
       "reports for D in the period, 2 for a usage or input error.",
       reports_html_options, run_reports_html},
  };
  return list;
}

const cli::Tool& tool() {
  static const cli::Tool t{
      "dnsauth-validate", DNSAUTH_VERSION,
      "dnsauth-validate: checks mail authentication the way a receiver would, against zone files\n"
      "or live DNS.",
      "Exit status: 0 the check passed; 1 it ran and did not pass; 2 usage or input error.", commands,
      kExitPass, kExitError};
  return t;
}

}  // namespace dnsauth::validator
