// dnsauth-validate: dispatches to one subcommand (commands.cpp lists them). Exceptions end in
// cli::run, as one line on stderr and exit 2 (docs/architecture.md, "Errors").
#include "validator/commands.h"

int main(int argc, char** argv) { return dnsauth::cli::run(dnsauth::validator::tool(), argc, argv); }
