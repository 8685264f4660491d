#include "ldap/ldap_table.h"

#include <ldap.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "core/mail/message.h"

namespace dnsauth::ldap {

namespace {

using Clock = std::chrono::steady_clock;

// What is left of the deadline, as libldap's timeouts take it; {0, 0} when it has passed.
timeval left(Clock::time_point deadline) {
  auto rest = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (rest.count() <= 0) return {0, 0};
  return {static_cast<time_t>(rest.count() / 1000000), static_cast<suseconds_t>(rest.count() % 1000000)};
}

bool passed(Clock::time_point deadline) { return Clock::now() >= deadline; }

int scope_of(tables::LdapTableConfig::Scope s) {
  switch (s) {
    case tables::LdapTableConfig::Scope::base: return LDAP_SCOPE_BASE;
    case tables::LdapTableConfig::Scope::one: return LDAP_SCOPE_ONELEVEL;
    case tables::LdapTableConfig::Scope::sub: break;
  }
  return LDAP_SCOPE_SUBTREE;
}

std::string result_code(LDAP* ld) {
  int rc = LDAP_OTHER;
  ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
  return ldap_err2string(rc);
}

// libldap's global defaults are set up on first use, which is not safe from two threads at once.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    int version = 0;
    ldap_get_option(nullptr, LDAP_OPT_PROTOCOL_VERSION, &version);
    // A write to a connection the server has closed raises SIGPIPE, which would end the process
    // instead of failing the lookup. libmilter ignores it already in the signer; the other
    // programs (selftest, the tests) get the same unless they chose otherwise.
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
  });
}

}  // namespace

struct LdapTable::Connection {
  LDAP* ld = nullptr;
  void close() {
    if (ld) ldap_unbind_ext_s(ld, nullptr, nullptr);
    ld = nullptr;
  }
  ~Connection() { close(); }
};

LdapTable::LdapTable(tables::LdapTableConfig config, std::string name)
    : LdapTable(std::move(config), std::move(name), Options{}) {}

LdapTable::LdapTable(tables::LdapTableConfig config, std::string name, Options options)
    : config_(std::move(config)), name_(std::move(name)) {
  init_library();
  for (const auto& u : config_.uris) uris_ += (uris_.empty() ? "" : " ") + u;
  const std::size_t n = std::max<std::size_t>(1, options.max_connections);
  for (std::size_t i = 0; i < n; ++i) {
    pool_.push_back(std::make_unique<Connection>());
    idle_.push_back(pool_.back().get());
  }
}

LdapTable::~LdapTable() = default;

Error LdapTable::failure(const std::string& what) const {
  return Error{Errc::io, name_ + ": " + uris_ + ": " + what};
}

Result<LdapTable::Connection*> LdapTable::acquire(Deadline deadline) const {
  std::unique_lock lock(mutex_);
  if (!freed_.wait_until(lock, deadline, [&] { return !idle_.empty(); })) {
    return tl::unexpected(failure("no connection free within the timeout (" +
                                  std::to_string(config_.timeout.count()) + " s)"));
  }
  Connection* c = idle_.back();
  idle_.pop_back();
  return c;
}

void LdapTable::release(Connection* c) const {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(c);
  }
  freed_.notify_one();
}

Result<void> LdapTable::connect(Connection& c, Deadline deadline) const {
  if (int rc = ldap_initialize(&c.ld, uris_.c_str()); rc != LDAP_SUCCESS) {
    c.ld = nullptr;
    return tl::unexpected(failure(std::string("cannot use the server URLs: ") + ldap_err2string(rc)));
  }
  ++connects_;
  int version = config_.version == 2 ? LDAP_VERSION2 : LDAP_VERSION3;
  ldap_set_option(c.ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(c.ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  // TCP connect (and TLS for ldaps://) within the time left; libldap connects at the first
  // operation below.
  timeval network = left(deadline);
  ldap_set_option(c.ld, LDAP_OPT_NETWORK_TIMEOUT, &network);
  ldap_set_option(c.ld, LDAP_OPT_TIMEOUT, &network);
  if (!config_.bind) return {};
  // ldap_table(5) bind = yes: a simple bind, anonymous when bind_dn is empty.
  berval cred{static_cast<ber_len_t>(config_.bind_pw.size()), const_cast<char*>(config_.bind_pw.data())};
  int msgid = 0;
  int rc = ldap_sasl_bind(c.ld, config_.bind_dn.empty() ? nullptr : config_.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred,
                          nullptr, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) {
    c.close();
    return tl::unexpected(failure(std::string("bind: ") + ldap_err2string(rc)));
  }
  LDAPMessage* res = nullptr;
  timeval tv = left(deadline);
  rc = ldap_result(c.ld, msgid, LDAP_MSG_ALL, &tv, &res);
  if (rc <= 0) {
    std::string why = rc == 0 ? "no answer within the timeout (" + std::to_string(config_.timeout.count()) + " s)"
                              : result_code(c.ld);
    if (res) ldap_msgfree(res);
    c.close();
    return tl::unexpected(failure("bind: " + why));
  }
  int err = LDAP_OTHER;
  rc = ldap_parse_result(c.ld, res, &err, nullptr, nullptr, nullptr, nullptr, 1);
  if (rc != LDAP_SUCCESS || err != LDAP_SUCCESS) {
    c.close();
    std::string as = config_.bind_dn.empty() ? std::string("anonymously") : "as '" + config_.bind_dn + "'";
    return tl::unexpected(failure("bind " + as + ": " + ldap_err2string(rc != LDAP_SUCCESS ? rc : err)));
  }
  return {};
}

Result<std::optional<std::string>> LdapTable::search(Connection& c, const std::string& filter, Deadline deadline,
                                                     bool& retry) const {
  retry = false;
  std::vector<char*> attrs;
  for (const auto& a : config_.result_attributes) attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  // The server's own time limit (whole seconds, at least one), beside the client's wait below.
  timeval limit = left(deadline);
  limit.tv_sec += limit.tv_usec > 0 ? 1 : 0;
  limit.tv_usec = 0;
  if (limit.tv_sec == 0) limit.tv_sec = 1;
  int msgid = 0;
  ++searches_;
  int rc = ldap_search_ext(c.ld, config_.search_base.c_str(), scope_of(config_.scope), filter.c_str(), attrs.data(), 0,
                           nullptr, nullptr, &limit, LDAP_NO_LIMIT, &msgid);
  if (rc != LDAP_SUCCESS) {
    // A kept connection the server closed meanwhile fails here, before anything was asked.
    retry = rc == LDAP_SERVER_DOWN;
    bool keep = rc == LDAP_FILTER_ERROR;  // the filter, not the connection
    if (!keep) c.close();
    return tl::unexpected(failure("search " + filter + ": " + ldap_err2string(rc)));
  }
  LDAPMessage* res = nullptr;
  timeval tv = left(deadline);
  rc = tv.tv_sec == 0 && tv.tv_usec == 0 ? 0 : ldap_result(c.ld, msgid, LDAP_MSG_ALL, &tv, &res);
  if (rc <= 0) {
    std::string why = rc == 0 ? "no answer within the timeout (" + std::to_string(config_.timeout.count()) + " s)"
                              : result_code(c.ld);
    retry = rc < 0 && why == ldap_err2string(LDAP_SERVER_DOWN);
    if (res) ldap_msgfree(res);
    c.close();  // abandons what is outstanding: the next lookup starts on a new connection
    return tl::unexpected(failure("search " + filter + ": " + why));
  }
  std::string joined;
  int err = LDAP_SUCCESS;
  for (LDAPMessage* m = ldap_first_message(c.ld, res); m; m = ldap_next_message(c.ld, m)) {
    int type = ldap_msgtype(m);
    if (type == LDAP_RES_SEARCH_RESULT) {
      if (ldap_parse_result(c.ld, m, &err, nullptr, nullptr, nullptr, nullptr, 0) != LDAP_SUCCESS) err = LDAP_OTHER;
      continue;
    }
    if (type != LDAP_RES_SEARCH_ENTRY) continue;
    // Postfix (dict_ldap_get_values) takes the entry's attributes in the server's order and keeps
    // those named in result_attribute.
    BerElement* ber = nullptr;
    for (char* a = ldap_first_attribute(c.ld, m, &ber); a; a = ldap_next_attribute(c.ld, m, ber)) {
      bool wanted = std::any_of(config_.result_attributes.begin(), config_.result_attributes.end(),
                                [&](const std::string& r) { return mail::iequals(r, a); });
      if (wanted) {
        if (berval** vals = ldap_get_values_len(c.ld, m, a)) {
          for (berval** v = vals; *v; ++v) {
            if (!joined.empty()) joined += ',';
            joined.append((*v)->bv_val, (*v)->bv_len);
          }
          ldap_value_free_len(vals);
        }
      }
      ldap_memfree(a);
    }
    if (ber) ber_free(ber, 0);
  }
  ldap_msgfree(res);
  if (err != LDAP_SUCCESS) {
    // Postfix: a search base that does not exist is a table error (DICT_ERR_RETRY), as is a
    // size or time limit the server applied.
    return tl::unexpected(failure("search " + filter + ": " + ldap_err2string(err)));
  }
  if (joined.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(joined));
}

Result<std::optional<std::string>> LdapTable::find(std::string_view key) const {
  auto filter = tables::ldap_query_filter(config_, key);
  if (!filter) return std::optional<std::string>();
  const Deadline deadline = Clock::now() + config_.timeout;
  auto c = acquire(deadline);
  if (!c) return tl::unexpected(c.error());
  Connection& conn = **c;
  Result<std::optional<std::string>> out = std::optional<std::string>();
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool kept = conn.ld != nullptr;
    if (!kept) {
      if (auto r = connect(conn, deadline); !r) {
        out = tl::unexpected(r.error());
        break;
      }
    }
    bool retry = false;
    out = search(conn, *filter, deadline, retry);
    // Only a kept connection that turned out closed is tried again, once, on a new one: a
    // server that is down fails the new connection at once.
    if (out || !retry || !kept || passed(deadline)) break;
  }
  release(*c);
  return out;
}

}  // namespace dnsauth::ldap
