#include "signer/offline.h"

#include <ctime>
#include <iostream>
#include <iterator>

#include "core/common/file.h"
#include "core/mail/line_ends.h"
#include "core/signing/key_store.h"
#include "core/signing/session.h"
#include "ldap/table_opener.h"

namespace dnsauth::signer {

using signing::Action;
using signing::Finding;
using signing::LoadResult;

namespace {

void print_findings(const LoadResult& r, std::ostream& out) {
  for (const auto& f : r.findings) out << f.str() << "\n";
}

}  // namespace

int check_config(const Options& o) {
  LoadResult r = signing::load_key_set(o.config, ldap::login_map_opener());
  print_findings(r, std::cout);
  std::size_t errors = 0;
  for (const auto& f : r.findings) errors += f.severity == Finding::Severity::error;
  if (!r.ok()) {
    std::cout << o.config.string() << ": " << errors << (errors == 1 ? " error" : " errors") << "\n";
    return kExitError;
  }
  std::cout << o.config.string() << ": OK (" << r.keys->summary() << ")\n";
  return kExitOk;
}

int sign_message(const Options& o) {
  std::string bytes;
  if (o.message == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto text = read_whole_file(o.message);
    if (!text) {
      std::cerr << "dnsauth-signer: sign: " << o.message << ": cannot read: " << text.error().detail << "\n";
      return kExitError;
    }
    bytes = std::move(*text);
  }
  LoadResult r = signing::load_key_set(o.config, ldap::login_map_opener());
  print_findings(r, std::cerr);
  if (!r.ok()) {
    std::cerr << "dnsauth-signer: sign: the configuration has errors; nothing signed\n";
    return kExitError;
  }
  std::int64_t now = o.timestamp.value_or(static_cast<std::int64_t>(std::time(nullptr)));
  auto out = signing::sign_offline(r.keys, o.auth_user, bytes, now);
  std::string src = o.message == "-" ? "<stdin>" : o.message;
  if (!out) {
    std::cerr << "dnsauth-signer: sign: " << src << ": " << out.error().message() << "\n";
    return kExitError;
  }
  if (out->decision.action != Action::sign) {
    std::cerr << "dnsauth-signer: not signed ("
              << (out->decision.action == Action::reject ? "the milter would reject: " : "")
              << to_string(out->decision.reason) << "): " << out->decision.detail << "\n";
    return kExitNotSigned;
  }
  // The signatures in the message's own line-end style, then the message unchanged.
  const mail::LineEnd form = mail::line_end_of(bytes);
  std::string head;
  for (const auto& s : out->signatures) head += mail::with_line_end(s.raw(), form);
  std::cout.write(head.data(), static_cast<std::streamsize>(head.size()));
  // The message minus the Authentication-Results fields that claim our authserv_id, as the
  // milter's edits would leave it.
  std::size_t at = 0;
  for (const auto& [offset, length] : out->removed) {
    std::cout.write(bytes.data() + at, static_cast<std::streamsize>(offset - at));
    at = offset + length;
  }
  std::cout.write(bytes.data() + at, static_cast<std::streamsize>(bytes.size() - at));
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "dnsauth-signer: sign: cannot write the signed message\n";
    return kExitError;
  }
  std::cerr << "dnsauth-signer: signed d=" << out->decision.signing_domain << " s=";
  for (std::size_t i = 0; i < out->selectors.size(); ++i) std::cerr << (i ? "," : "") << out->selectors[i];
  std::cerr << "\n";
  if (!out->removed.empty()) {
    std::cerr << "dnsauth-signer: removed " << out->removed.size()
              << " Authentication-Results field(s) claiming authserv_id " << r.keys->config().signer.authserv_id
              << "\n";
  }
  return kExitOk;
}

}  // namespace dnsauth::signer
