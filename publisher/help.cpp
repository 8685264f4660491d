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
      {"rotate", "rotate --config FILE --domain D --out DIR [--selector OLD] [--new NAME] [--format F]",
       "Starts a key rotation: creates the key of the next selector (same algorithm and size), writes "
       "the domain's records with the old and the new selector published together, and prints the "
       "steps in order: publish, wait one TTL, switch the signer, retire the old record, delete the "
       "old key. The config is not edited. Exit 0 on success, 2 on any error.",
       rotate_options, run_rotate},
      {"lint", "lint [--zone FILE... | --resolver ADDR[:PORT]] --domain DOMAIN [--config FILE] [--selector S]... [--json]\n"
               "  lint --record TEXT [--type spf|dkim|dmarc] [--json]",
       "Checks the SPF, DKIM and DMARC records a domain publishes, read from zone files (offline), "
       "from one DNS server, or from the system resolver when neither is given; or one record given "
       "as text. Every finding names a rule (dnsauth-publish rules lists them): id, severity, the "
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
