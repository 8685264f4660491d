// The libmilter glue: per-connection and per-message context, the callbacks, and the answers they
// give. The policy and the signing live in signing::SigningSession (core/signing/session.h); this
// file only maps the milter protocol onto it and decides what the MTA hears.
#pragma once

#include <libmilter/mfapi.h>

#include "core/signing/key_store.h"
#include "signer/stats.h"

namespace dnsauth::signer::milter {

// What the callbacks use. Set once before smfi_main(); outlives it.
struct Runtime {
  signing::KeyStore* store = nullptr;
  Stats* stats = nullptr;
};
void set_runtime(Runtime* rt);

// The filter description to pass to smfi_register().
smfiDesc description();

}  // namespace dnsauth::signer::milter
