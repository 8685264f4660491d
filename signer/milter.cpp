#include "signer/milter.h"

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "signer/drain.h"
#include "signer/log.h"
#include "core/mail/line_ends.h"
#include "core/signing/session.h"

namespace dnsauth::signer::milter {

namespace {

using signing::Action;
using signing::Decision;
using signing::KeySet;
using signing::SigningSession;

Runtime* rt = nullptr;

// Counted while it lives (dnsauth_signer_messages_in_progress): a message whose context
// outlived its connection would show there.
// A stop waits for it (signer/drain.h).
struct InProgress {
  InProgress() noexcept {
    drain::message_started();
    if (rt && rt->stats) rt->stats->message_started();
  }
  ~InProgress() {
    if (rt && rt->stats) rt->stats->message_ended();
    drain::message_ended();
  }
  InProgress(const InProgress&) = delete;
  InProgress& operator=(const InProgress&) = delete;
};

struct Message {
  Message(std::shared_ptr<const KeySet> k, std::string login)
      : keys(k), session(std::move(k), std::move(login), static_cast<std::int64_t>(std::time(nullptr))) {}
  InProgress counted;
  std::shared_ptr<const KeySet> keys;  // the set this message started with (reloads wait for it)
  SigningSession session;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool decided = false;  // end of headers has been answered
  // A skip that still has forged Authentication-Results to delete: header edits are only
  // allowed at end of message, so the answer waits until then.
  bool skip_at_eom = false;
  std::size_t authres_removed = 0;
  std::string authres_note;  // why forged fields stayed (the MTA allows no header changes)
};

struct Connection {
  unsigned long protocol = 0;  // the SMFIP_* flags negotiated
  bool can_change_headers = false;  // SMFIF_CHGHDRS granted
  std::unique_ptr<Message> msg;
  // An error in a stage the MTA expects no answer for (SMFIP_NR_*): answered at the next
  // stage that is answered (end of headers or end of message).
  std::optional<std::string> error;
  // MAIL came while the signer stops (signer/drain.h): no message was started; the next answered
  // stage says 451 4.3.2.
  bool refused_stopping = false;
};

Connection* connection(SMFICTX* ctx) { return static_cast<Connection*>(smfi_getpriv(ctx)); }

Connection& ensure_connection(SMFICTX* ctx) {
  if (Connection* c = connection(ctx)) return *c;
  auto c = std::make_unique<Connection>();
  smfi_setpriv(ctx, c.get());
  return *c.release();
}

std::string macro(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v ? v : "";
}

// smfi_setreply text: printable ASCII only (the From and the login are the sender's text), and
// no '%' (sendmail expands it).
std::string reply_text(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f && c != '%') ? static_cast<char>(c) : '?';
  return out;
}

// The header value as the MTA wants it: LF line ends (the MTA writes its own), and without the
// leading space when the MTA adds one itself (no SMFIP_HDR_LEADSPC).
std::string insert_value(const std::string& value, bool leading_space) {
  std::string out = mail::with_line_end(value, mail::LineEnd::lf);
  if (!leading_space && !out.empty() && out.front() == ' ') out.erase(0, 1);
  return out;
}

// The one log line and the counters for a message, then its context is dropped.
void finish(SMFICTX* ctx, Connection& c, Outcome outcome, std::string detail_override = {}) {
  Message* m = c.msg.get();
  MessageLog line;
  line.queue_id = macro(ctx, "i");
  line.outcome = outcome;
  double seconds = 0;
  if (m) {
    const Decision& d = m->session.decision();
    line.from_domain = d.from_domain;
    line.login = m->session.login();
    line.reason = d.reason;
    if (outcome == Outcome::signed_) line.selectors = m->session.selectors();
    line.detail = detail_override.empty() ? d.detail : detail_override;
    if (!m->authres_note.empty()) line.detail += (line.detail.empty() ? "" : "; ") + m->authres_note;
    line.authres_removed = m->authres_removed;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m->started).count();
  } else {
    line.detail = detail_override;
  }
  bool error = outcome == Outcome::error_tempfail || outcome == Outcome::error_accepted;
  std::string text = format_log_line(line);
  if (error) log::error(text);
  else log::info(text);
  if (rt && rt->stats) {
    rt->stats->record(outcome, line.reason, seconds);
    rt->stats->record_authres_removed(line.authres_removed);
  }
  c.msg.reset();
  c.error.reset();
}

// An internal error: never lose mail, never pass it silently unsigned. The answer is
// on_error of the configuration the message started with.
sfsistat internal_error(SMFICTX* ctx, const std::string& what) noexcept {
  try {
    Connection& c = ensure_connection(ctx);
    std::shared_ptr<const KeySet> keys = c.msg ? c.msg->keys : (rt ? rt->store->current() : nullptr);
    bool accept = keys && keys->config().signer.on_error == signing::OnError::accept;
    finish(ctx, c, accept ? Outcome::error_accepted : Outcome::error_tempfail, what);
    if (accept) return SMFIS_ACCEPT;
    smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.3.0"),
                  const_cast<char*>("dnsauth-signer: temporary signing failure, try again later"));
    return SMFIS_TEMPFAIL;
  } catch (...) {
    return SMFIS_TEMPFAIL;
  }
}

// The MTA broke the milter protocol's order (a stage outside a transaction, end of message
// before end of headers): answered as an internal error, so that no message passes unchecked.
// libmilter's own state table keeps most of these from the callbacks; what it lets through
// (after an abort, say) ends here.
sfsistat out_of_order(SMFICTX* ctx, const std::string& what) noexcept {
  return internal_error(ctx, "milter protocol: " + what);
}

// What a callback answers when something escaped it. In the stages the MTA expects no answer
// for (SMFIP_NR_*), the error is kept and answered at the next stage that does answer.
sfsistat escaped(SMFICTX* ctx, const char* stage, const char* what, bool no_reply) noexcept {
  try {
    std::string text = std::string(stage) + ": " + what;
    if (no_reply) {
      Connection& c = ensure_connection(ctx);
      if (!c.error) c.error = text;
      return SMFIS_NOREPLY;
    }
    return internal_error(ctx, text);
  } catch (...) {
    return no_reply ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
  }
}

// A message that arrived while the signer stops: not signed now, not lost (RFC 3463 4.3.2,
// "System not accepting network messages"; the MTA keeps it and retries).
sfsistat stopping_tempfail(SMFICTX* ctx, Connection& c) {
  c.refused_stopping = false;
  log::info("qid=" + log_value(macro(ctx, "i")) + " decision=tempfail reason=stopping detail=\"the signer is stopping\"");
  smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.3.2"),
                const_cast<char*>("dnsauth-signer is stopping, try again later"));
  return SMFIS_TEMPFAIL;
}

// Every callback runs inside this: whatever escapes becomes an internal error. After the stop
// has closed the callbacks (signer/drain.h), a late one answers at once and touches nothing.
template <class F>
sfsistat guarded(SMFICTX* ctx, const char* stage, bool no_reply, F&& f) noexcept {
  drain::Callback running;
  if (!running.open()) return no_reply ? SMFIS_NOREPLY : SMFIS_TEMPFAIL;
  try {
    return f();
  } catch (const std::exception& e) {
    return escaped(ctx, stage, e.what(), no_reply);
  } catch (...) {
    return escaped(ctx, stage, "unknown exception", no_reply);
  }
}

// RFC 8601 5: deletes the Authentication-Results fields that claim our authserv_id. From the
// last to the first, so each index still names the same field whether or not the MTA counts
// the fields already deleted. False when the MTA refuses an edit.
bool remove_forged_authres(SMFICTX* ctx, const Connection& c, Message& m) {
  const auto& forged = m.session.forged_authres();
  if (forged.empty()) return true;
  if (!c.can_change_headers) {
    m.authres_note = std::to_string(forged.size()) +
                     " forged Authentication-Results kept: the MTA allows no header changes (SMFIF_CHGHDRS)";
    return true;
  }
  for (auto it = forged.rbegin(); it != forged.rend(); ++it) {
    if (smfi_chgheader(ctx, const_cast<char*>("Authentication-Results"), static_cast<int>(*it), nullptr) != MI_SUCCESS)
      return false;
    ++m.authres_removed;
  }
  return true;
}

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
  drain::Callback running;
  if (!running.open()) return SMFIS_REJECT;
  try {
    if (!(f0 & SMFIF_ADDHDRS)) {
      log::error("the MTA does not allow adding header fields (SMFIF_ADDHDRS); cannot sign");
      return SMFIS_REJECT;
    }
    // Only what signing needs: no connect/helo/unknown events; MAIL, headers and body without
    // a reply each (round trips saved; end of headers still answers, so that a message that
    // will not be signed is accepted before its body); the leading space of header values
    // kept, since DKIM's simple canonicalization signs it.
    bool symlist = f0 & SMFIF_SETSYMLIST;
    unsigned long want = SMFIP_HDR_LEADSPC | SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NR_MAIL |
                         SMFIP_NR_HDR | SMFIP_NR_BODY;
    // With our own macro lists the queue id comes with EOH and EOM, so RCPT and DATA can go.
    if (symlist) want |= SMFIP_NORCPT | SMFIP_NODATA;
    // Header changes only to delete forged Authentication-Results; an MTA that does not
    // offer them still gets signatures.
    *pf0 = SMFIF_ADDHDRS | (f0 & SMFIF_CHGHDRS) | (symlist ? SMFIF_SETSYMLIST : 0);
    *pf1 = want & f1;
    *pf2 = 0;
    *pf3 = 0;
    if (symlist) {
      smfi_setsymlist(ctx, SMFIM_ENVFROM, const_cast<char*>("{auth_authen} {auth_type} i"));
      smfi_setsymlist(ctx, SMFIM_EOH, const_cast<char*>("i"));
      smfi_setsymlist(ctx, SMFIM_EOM, const_cast<char*>("i"));
    }
    Connection& c = ensure_connection(ctx);
    c.protocol = *pf1;
    c.can_change_headers = *pf0 & SMFIF_CHGHDRS;
    c.msg.reset();
    c.error.reset();
    return SMFIS_CONTINUE;
  } catch (...) {
    log::error("negotiation failed");
    return SMFIS_REJECT;
  }
}

sfsistat on_envfrom(SMFICTX* ctx, char**) {
  Connection* c0 = connection(ctx);
  bool nr = c0 && (c0->protocol & SMFIP_NR_MAIL);
  return guarded(ctx, "MAIL", nr, [&] {
    Connection& c = ensure_connection(ctx);
    c.error.reset();
    c.msg.reset();
    c.msg = std::make_unique<Message>(rt->store->current(), macro(ctx, "{auth_authen}"));
    // Counted first, then the stop looked at: a stop either waits for this message or refuses it.
    c.refused_stopping = drain::stopping();
    if (c.refused_stopping) {
      c.msg.reset();
      return nr ? SMFIS_NOREPLY : stopping_tempfail(ctx, c);
    }
    return nr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  Connection* c0 = connection(ctx);
  bool nr = c0 && (c0->protocol & SMFIP_NR_HDR);
  return guarded(ctx, "header", nr, [&] {
    Connection& c = ensure_connection(ctx);
    // Outside a transaction (no MAIL) there is no message to add it to.
    if (!c.error && c.msg) {
      std::string v = value ? value : "";
      if (!(c.protocol & SMFIP_HDR_LEADSPC)) v.insert(0, " ");
      if (auto r = c.msg->session.header(name ? name : "", v); !r) c.error = "header: " + r.error().message();
    }
    return nr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  });
}

sfsistat on_eoh(SMFICTX* ctx) {
  return guarded(ctx, "end of headers", false, [&] {
    Connection& c = ensure_connection(ctx);
    if (c.refused_stopping) return stopping_tempfail(ctx, c);
    if (c.error) return internal_error(ctx, *c.error);
    if (!c.msg) return out_of_order(ctx, "end of headers outside a transaction (no MAIL)");
    c.msg->decided = true;
    auto d = c.msg->session.end_of_headers();
    if (!d) {
      if (d.error().code == Errc::limit) return internal_error(ctx, d.error().message());
      return internal_error(ctx, "setting up the signer: " + d.error().message());
    }
    switch (d->action) {
      case Action::sign:
        return SMFIS_CONTINUE;
      case Action::skip:
        if (!c.msg->session.forged_authres().empty()) {
          c.msg->skip_at_eom = true;  // the deletions can only be sent at end of message
          return SMFIS_CONTINUE;
        }
        finish(ctx, c, Outcome::skipped);
        return SMFIS_ACCEPT;  // no body needed
      case Action::reject: {
        std::string text = reply_text(d->detail);
        finish(ctx, c, Outcome::rejected);
        smfi_setreply(ctx, const_cast<char*>("550"), const_cast<char*>("5.7.1"), text.data());
        return SMFIS_REJECT;
      }
    }
    return internal_error(ctx, "unknown decision");
  });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* data, size_t len) {
  Connection* c0 = connection(ctx);
  bool nr = c0 && (c0->protocol & SMFIP_NR_BODY);
  return guarded(ctx, "body", nr, [&] {
    Connection& c = ensure_connection(ctx);
    // Outside a transaction (no MAIL, or after an abort) there is no message to add it to.
    if (!c.error && c.msg) {
      if (auto r = c.msg->session.body(std::string_view(reinterpret_cast<const char*>(data), len)); !r)
        c.error = "body: " + r.error().message();
    }
    return nr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
  });
}

sfsistat on_eom(SMFICTX* ctx) {
  return guarded(ctx, "end of message", false, [&] {
    Connection& c = ensure_connection(ctx);
    if (c.refused_stopping) return stopping_tempfail(ctx, c);
    if (c.error) return internal_error(ctx, *c.error);
    if (!c.msg) return out_of_order(ctx, "end of message outside a transaction (no MAIL)");
    if (!c.msg->decided) return out_of_order(ctx, "end of message before end of headers");
    // A skip that waited for its header edits, or a message every selector of which had signed
    // before (its own earlier signature verified, policy.h), passes unsigned.
    bool signing = !c.msg->skip_at_eom;
    if (signing) {
      auto sigs = c.msg->session.finish(static_cast<std::int64_t>(std::time(nullptr)));
      if (!sigs) return internal_error(ctx, "signing: " + sigs.error().message());
      signing = c.msg->session.decision().action == Action::sign;
      bool leadspc = c.protocol & SMFIP_HDR_LEADSPC;
      // Inserted at index 0 in reverse, so the first signature ends up on top.
      for (auto it = sigs->rbegin(); it != sigs->rend(); ++it) {
        std::string v = insert_value(it->value, leadspc);
        if (smfi_insheader(ctx, 0, it->name.data(), v.data()) != MI_SUCCESS) {
          return internal_error(ctx, "the MTA refused the DKIM-Signature header (smfi_insheader)");
        }
      }
    }
    if (!remove_forged_authres(ctx, c, *c.msg))
      return internal_error(ctx, "the MTA refused to delete a forged Authentication-Results (smfi_chgheader)");
    finish(ctx, c, signing ? Outcome::signed_ : Outcome::skipped);
    return SMFIS_CONTINUE;
  });
}

sfsistat on_abort(SMFICTX* ctx) {
  return guarded(ctx, "abort", false, [&] {
    if (Connection* c = connection(ctx)) {  // the MTA dropped it; nothing was accepted
      c->msg.reset();
      c->error.reset();
      c->refused_stopping = false;
    }
    return SMFIS_CONTINUE;
  });
}

sfsistat on_close(SMFICTX* ctx) {
  drain::Callback running;
  if (!running.open()) return SMFIS_CONTINUE;  // the process is ending: left to it
  try {
    delete connection(ctx);
    smfi_setpriv(ctx, nullptr);
  } catch (...) {
  }
  return SMFIS_CONTINUE;
}

}  // namespace

void set_runtime(Runtime* r) { rt = r; }

smfiDesc description() {
  smfiDesc d{};
  d.xxfi_name = const_cast<char*>("dnsauth-signer");
  d.xxfi_version = SMFI_VERSION;
  d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
  d.xxfi_envfrom = on_envfrom;
  d.xxfi_header = on_header;
  d.xxfi_eoh = on_eoh;
  d.xxfi_body = on_body;
  d.xxfi_eom = on_eom;
  d.xxfi_abort = on_abort;
  d.xxfi_close = on_close;
  d.xxfi_negotiate = on_negotiate;
  return d;
}

}  // namespace dnsauth::signer::milter
