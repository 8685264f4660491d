#include <boost/program_options/value_semantic.hpp>

#include "publisher/commands.h"

namespace dnsauth::publisher {

namespace po = boost::program_options;

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"generate", "generate --config FILE --out DIR [--format zone|json|nsupdate] [--domain D]...",
       "Creates every missing DKIM key the config names (RSA of the configured bits, 1024-4096, or "
       "Ed25519) under the config's key_dir, mode 0600; an existing key file is never overwritten. "
       "Then writes, per domain, the DKIM key records, the SPF record of the domain and of each HELO "
       "name, the DMARC record and the report authorization records to DIR/<domain>.zone (an RFC 1035 "
       "zone fragment written through ldns; names outside the domain go to DIR/<domain>.external.zone), "
       "DIR/<domain>.json or DIR/<domain>.nsupdate. Exit 0 on success, 2 on any error.",
       generate_options, run_generate},
      {"rotate", "rotate --config FILE --domain D [--selector OLD] [--new NAME] [--out DIR [--format F]]\n"
                 "  rotate --config FILE --auto [--domain D]... [--server ADDR[:PORT]] [--tsig-key FILE] [--signer-pid FILE] [--json]",
       "Starts a key rotation: creates the key of the next selector (same algorithm and size), mode 0600, and "
       "records it as staged in the lifecycle state; with --out it also writes the domain's records with the "
       "old and the new selector and prints the steps to take by hand. rotate --auto takes every domain at "
       "most one safe step further per run (README \"Rotating keys\"): publish the staged key by RFC 2136, "
       "wait until every authoritative server serves it, one TTL later switch the signer (dnsauth.toml edited "
       "in place, checked as --check-config does, then SIGHUP), keep the old selector published while mail "
       "signed with it may be in flight, revoke it, remove it; with [domain] rotate_every it also starts "
       "rotations. Exit 0 on success (waiting included), 2 on an input or usage error, 3 when a DNS server "
       "refused, failed or did not answer, 4 when the zone changed meanwhile (nothing was changed).",
       rotate_options, run_rotate},
      {"plan", "plan --config FILE [--domain D]... [--server ADDR[:PORT]] [--json]",
       "Compares the SPF, DKIM, DMARC and report authorization records the config and the lifecycle state "
       "want with what the zone's primary serves (asked directly, no cache) and prints the difference: "
       "add, remove, replace. Only the names and records dnsauth owns are compared; nothing else in the "
       "zone is ever touched. Exit 0 in sync, 1 differences, 2 input or usage error, 3 DNS failure.",
       plan_options, run_plan},
      {"apply", "apply --config FILE [--domain D]... [--server ADDR[:PORT]] [--tsig-key FILE] [--json]",
       "Sends the plan's difference to the primary as one RFC 2136 UPDATE per zone, signed with the TSIG "
       "key (RFC 8945), with every touched record set as it was read as prerequisite, so that a concurrent "
       "change makes it fail whole; then checks that the primary serves the new records. Exit 0 applied "
       "or in sync, 2 input or usage error (a TSIG key file that does not parse), 3 refused (REFUSED, "
       "NOTAUTH: a bad key or no permission, a zone the server is not authoritative for), a timeout or "
       "another DNS failure, 4 a prerequisite failed: the zone changed meanwhile and nothing was changed.",
       apply_options, run_apply},
      {"wait", "wait --config FILE [--domain D]... [--server ADDR[:PORT]] [--ns-port N] [--deadline SECONDS] [--json]",
       "Finds every authoritative server of each domain's zone (its NS records and their addresses) and "
       "asks each directly until all serve the records the config and the lifecycle state want, or the "
       "deadline passes; names each server that lags and what it lacks. Exit 0 all in sync, 1 a server "
       "still lags, 2 input or usage error, 3 DNS failure.",
       wait_options, run_wait},
      {"status", "status --config FILE [--domain D]... [--state FILE] [--now UNIX_TIME] [--json]",
       "Shows each domain's selectors in the key lifecycle: stage (staged, published, active, retired, "
       "revoked, removed), since when, and the next step with its earliest time. Reads no DNS. Exit 0, "
       "2 on an input or usage error.",
       status_options, run_status},
      {"lint", "lint [--zone FILE... | --resolver ADDR[:PORT]] --domain DOMAIN [--config FILE] [--selector S]... [--json]\n"
               "  lint --record TEXT [--type spf|dkim|dmarc|mta-sts|tls-rpt|bimi] [--json]\n"
               "  lint --mta-sts-policy FILE [--domain DOMAIN (--zone FILE... | --resolver ADDR[:PORT])] [--json]",
       "Checks the SPF, DKIM and DMARC records a domain publishes, and its MTA-STS, TLS-RPT and BIMI "
       "records when it has them or --config expects them, read from zone files (offline), "
       "from one DNS server, or from the system resolver when neither is given; or one record given "
       "as text; or one MTA-STS policy file (with the domain's MX hosts when --domain and a zone or "
       "resolver are given). Every finding names a rule (dnsauth-publish rules lists them): id, severity, the "
       "record, what is wrong and the RFC section. Exit 0 clean (info only), 1 warnings only, "
       "2 errors or a usage error.",
       lint_options, run_lint},
      {"rules", "rules [--json]", "Lists every lint rule: id, severity, protocol, summary, RFC section. Exit 0.",
       rules_options, run_rules},
  };
  return list;
}

const cli::Tool& tool() {
  static const cli::Tool t{
      "dnsauth-publish", DNSAUTH_VERSION,
      "dnsauth-publish: DKIM keys and the SPF, DKIM and DMARC records of dnsauth.toml, and a linter\n"
      "for what a domain publishes.",
      "Exit status: 0 success (lint: clean or info only); 1 lint found warnings but no errors;\n"
      "2 lint found errors, or any error or usage error of any command.\n"
      "Private keys are never printed, never overwritten, and written mode 0600.",
      commands, kExitOk, kExitError};
  return t;
}

}  // namespace dnsauth::publisher
