// dnsauth-publish: creates the DKIM keys a dnsauth.toml names and the TXT records that
// publish them with SPF and DMARC (generate, rotate), and lints what a zone or the live DNS
// publishes (lint). Exceptions end in cli::run, as one line on stderr (docs/architecture.md, "Errors").
#include "publisher/commands.h"

int main(int argc, char** argv) { return dnsauth::cli::run(dnsauth::publisher::tool(), argc, argv); }
